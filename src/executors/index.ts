// The executor registry: kind -> executor. Explicit, so a reader sees every action the bot can
// take in one place; the CloudFormation write policy is derived from it.
import { createSnapshotExecutor } from './create-snapshot.js';
import { deleteEbsSnapshot } from './delete-ebs-snapshot.js';
import { deleteEbsVolume } from './delete-ebs-volume.js';
import { emergencyReplace } from './emergency-replace.js';
import { modifyEbsVolume } from './modify-ebs-volume.js';
import { releaseElasticIp } from './release-elastic-ip.js';
import { resizeInstance } from './resize-instance.js';
import { spotAsgSwap } from './spot-asg-swap.js';
import { spotK8sReplace } from './spot-k8s-replace.js';
import { spotLabSwitch } from './spot-lab-switch.js';
import { startInstance } from './start-instance.js';
import { stopInstance } from './stop-instance.js';
import { tagResource } from './tag-resource.js';
import { terminateInstance } from './terminate-instance.js';
import type { AnyExecutor } from './types.js';

export const executors = {
  'release-elastic-ip': releaseElasticIp,
  'delete-ebs-volume': deleteEbsVolume,
  'delete-ebs-snapshot': deleteEbsSnapshot,
  'create-snapshot': createSnapshotExecutor,
  'stop-instance': stopInstance,
  'start-instance': startInstance,
  'terminate-instance': terminateInstance,
  'tag-resource': tagResource,
  'modify-ebs-volume': modifyEbsVolume,
  'resize-instance': resizeInstance,
  'spot-lab-switch': spotLabSwitch,
  'spot-asg-swap': spotAsgSwap,
  'spot-k8s-replace': spotK8sReplace,
} as const satisfies Record<string, AnyExecutor>;

/**
 * Executors nobody approves: started by the event path under an account's interruption policy
 * (events/respond.ts), never offered on a card. Their permissions join the write policy all the same.
 */
export const emergencyExecutors = {
  'emergency-replace': emergencyReplace,
} as const satisfies Record<string, AnyExecutor>;

export type ExecutorKind = keyof typeof executors;

export function getExecutor(kind: string): AnyExecutor | undefined {
  return (
    (executors as Record<string, AnyExecutor>)[kind] ??
    (emergencyExecutors as Record<string, AnyExecutor>)[kind]
  );
}

/** Every IAM action any executor declares, sorted and unique. */
export function executorPermissions(): string[] {
  const all = [...Object.values(executors), ...Object.values(emergencyExecutors)] as AnyExecutor[];
  return [...new Set(all.flatMap((e) => e.permissions))].sort();
}
