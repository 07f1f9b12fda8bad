// The step API of the executor contract (DESIGN.md sections 0 and 4): an execution is a sequence of
// persisted steps. Each step's start and result are committed before the next begins (the engine's
// journal, src/engine/step-journal.ts); a worker that takes over after a crash replays the steps
// already done from their recorded output and re-runs the interrupted one, so every step must be
// idempotent: it first looks for what an earlier attempt created (by the tags below or a
// ClientToken) before creating anything. Compensation lives beside the step it undoes.
import type { Tag } from '@aws-sdk/client-ec2';
import { UserError } from '../lib/errors.js';
import type { ExecutorContext } from './types.js';

export interface Step<T> {
  /** Unique within an execution: "snapshot", "launch-clone:i-0old". */
  name: string;
  /**
   * Does the work. `again`: an earlier attempt started this step and was interrupted, so its work
   * may be done already: look for it first (by stepTags / ClientToken). Output must be JSON.
   */
  run(again: boolean): Promise<T>;
  /**
   * Undoes the step given its recorded output; says what it did ("terminated the clone i-1").
   * The engine runs these in reverse order when it compensates instead of resuming.
   */
  compensate?(output: T): Promise<string>;
  /**
   * false: re-running this step after a crash is unsafe; a takeover that finds it interrupted
   * compensates the steps before it instead of resuming.
   */
  resumable?: boolean;
}

export interface StepJournal {
  /**
   * Runs the step once per execution: a step already done returns its recorded output without
   * running; an interrupted one runs again (idempotently) or throws InterruptedStepError.
   */
  run<T>(step: Step<T>): Promise<T>;
  /** True while this attempt is a takeover: the step outputs it replays were made by another worker. */
  readonly resumed: boolean;
}

/** A takeover found a step that must not be re-run; the engine compensates instead. */
export class InterruptedStepError extends UserError {
  override name = 'InterruptedStepError';
  constructor(readonly step: string) {
    super(`the step ${step} was interrupted by a restart and is not safe to repeat`);
  }
}

/** This worker lost the execution's lease (expired, or taken over): it must stop touching it. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(executionId: number) {
    super(`the lease on execution ${executionId} was lost; another worker owns it now`);
  }
}

/**
 * Errors that steer the run rather than report a failure: an executor's own compensation must
 * let them through (the engine compensates, or another worker continues).
 */
export function isStepControl(err: unknown): boolean {
  return err instanceof InterruptedStepError || err instanceof LeaseLostError;
}

/** Runs `step` through the context's journal; without one (tests, manual rollback) it just runs. */
export function step<T>(ctx: Pick<ExecutorContext, 'steps'>, s: Step<T>): Promise<T> {
  return ctx.steps ? ctx.steps.run(s) : s.run(false);
}

export const EXECUTION_TAG = 'spotops:execution';
export const STEP_TAG = 'spotops:step';

/**
 * Tags that let a resumed step find what it created (for calls without a ClientToken, such as
 * CreateSnapshot and CreateImage). Empty outside an execution.
 */
export function stepTags(ctx: Pick<ExecutorContext, 'executionId'>, stepName: string): Tag[] {
  if (ctx.executionId === undefined) return [];
  return [
    { Key: EXECUTION_TAG, Value: String(ctx.executionId) },
    { Key: STEP_TAG, Value: stepName },
  ];
}

/** A ClientToken for calls that have one (RunInstances, CreateVolume): the same on every attempt. */
export function clientToken(ctx: Pick<ExecutorContext, 'executionId'>, stepName: string): string | undefined {
  if (ctx.executionId === undefined) return undefined;
  // At most 64 ASCII characters.
  return `spotops-${ctx.executionId}-${stepName}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64);
}
