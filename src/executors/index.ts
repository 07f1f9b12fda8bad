// The executor registry: kind -> executor. Explicit, so a reader sees every action the bot can
// take in one place; the CloudFormation write policy is derived from it.
import type { AnyExecutor } from './types.js';

export const executors = {} as const satisfies Record<string, AnyExecutor>;

export type ExecutorKind = keyof typeof executors;

export function getExecutor(kind: string): AnyExecutor | undefined {
  return (executors as Record<string, AnyExecutor>)[kind];
}

/** Every IAM action any executor declares, sorted and unique. */
export function executorPermissions(): string[] {
  return [
    ...new Set(Object.values(executors as Record<string, AnyExecutor>).flatMap((e) => e.permissions)),
  ].sort();
}
