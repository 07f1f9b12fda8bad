// Bounded waits on EC2 state (snapshot completed, volume available, instance stopped/running),
// built on the SDK waiters. The limits come from the caller's context so tests can wait
// milliseconds and production minutes; a wait that runs out says what it was waiting for.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from './sdk.js';

export interface WaitSettings {
  /** Give up after this long (seconds). */
  maxWaitSeconds: number;
  /** First delay between polls (seconds; fractions allowed). */
  minDelaySeconds: number;
  /** Longest delay between polls (seconds). */
  maxDelaySeconds: number;
}

export type WaitKind = 'snapshot' | 'volume' | 'instance';

/** Production limits: snapshots of large volumes take long, instance state changes take minutes. */
export const DEFAULT_WAITS: Record<WaitKind, WaitSettings> = {
  snapshot: { maxWaitSeconds: 3 * 3600, minDelaySeconds: 15, maxDelaySeconds: 120 },
  volume: { maxWaitSeconds: 15 * 60, minDelaySeconds: 5, maxDelaySeconds: 30 },
  instance: { maxWaitSeconds: 20 * 60, minDelaySeconds: 5, maxDelaySeconds: 30 },
};

/** What a context may carry to override the limits (all kinds at once). */
export interface WaitContext {
  waits?: Partial<WaitSettings>;
}

function config(ec2: EC2Client, kind: WaitKind, ctx: WaitContext) {
  const s = { ...DEFAULT_WAITS[kind], ...ctx.waits };
  return {
    client: ec2,
    maxWaitTime: s.maxWaitSeconds,
    minDelay: s.minDelaySeconds,
    maxDelay: s.maxDelaySeconds,
  };
}

async function waiting<T>(what: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw new Error(timedOut ? `gave up waiting for ${what}` : `waiting for ${what}`, { cause });
  }
}

export async function waitSnapshotsCompleted(
  ctx: WaitContext,
  ec2: EC2Client,
  snapshotIds: readonly string[],
): Promise<void> {
  if (snapshotIds.length === 0) return;
  await waiting(`${snapshotIds.join(', ')} to complete`, () =>
    ec2Sdk.waitUntilSnapshotCompleted(config(ec2, 'snapshot', ctx), { SnapshotIds: [...snapshotIds] }),
  );
}

export async function waitVolumeAvailable(ctx: WaitContext, ec2: EC2Client, volumeId: string): Promise<void> {
  await waiting(`${volumeId} to become available`, () =>
    ec2Sdk.waitUntilVolumeAvailable(config(ec2, 'volume', ctx), { VolumeIds: [volumeId] }),
  );
}

export async function waitInstanceStopped(
  ctx: WaitContext,
  ec2: EC2Client,
  instanceId: string,
): Promise<void> {
  await waiting(`${instanceId} to stop`, () =>
    ec2Sdk.waitUntilInstanceStopped(config(ec2, 'instance', ctx), { InstanceIds: [instanceId] }),
  );
}

export async function waitInstanceRunning(
  ctx: WaitContext,
  ec2: EC2Client,
  instanceId: string,
): Promise<void> {
  await waiting(`${instanceId} to run`, () =>
    ec2Sdk.waitUntilInstanceRunning(config(ec2, 'instance', ctx), { InstanceIds: [instanceId] }),
  );
}
