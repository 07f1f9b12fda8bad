// Bounded waits the Spot executors need beyond waiters.ts: an AMI becoming available, an instance
// passing its status checks, and an Auto Scaling group reaching a condition (an instance InService,
// an instance detached). Same rules as waiters.ts: the context may override the limits (tests wait
// milliseconds), and a wait that runs out says what it was waiting for.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { sleep } from '../lib/retry.js';
import { ec2Sdk } from './sdk.js';
import type { WaitContext, WaitSettings } from './waiters.js';

export type SpotWaitKind = 'image' | 'status' | 'group';

/** Production limits: an AMI of large volumes takes long; status checks and ASG attach take minutes. */
export const SPOT_WAITS: Record<SpotWaitKind, WaitSettings> = {
  image: { maxWaitSeconds: 2 * 3600, minDelaySeconds: 15, maxDelaySeconds: 60 },
  status: { maxWaitSeconds: 20 * 60, minDelaySeconds: 10, maxDelaySeconds: 30 },
  group: { maxWaitSeconds: 15 * 60, minDelaySeconds: 5, maxDelaySeconds: 30 },
};

function settings(kind: SpotWaitKind, ctx: WaitContext): WaitSettings {
  return { ...SPOT_WAITS[kind], ...ctx.waits };
}

function config<C>(client: C, kind: SpotWaitKind, ctx: WaitContext) {
  const s = settings(kind, ctx);
  return { client, maxWaitTime: s.maxWaitSeconds, minDelay: s.minDelaySeconds, maxDelay: s.maxDelaySeconds };
}

async function waiting<T>(what: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (cause) {
    const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
    throw new Error(timedOut ? `gave up waiting for ${what}` : `waiting for ${what}`, { cause });
  }
}

/** Until the AMI is `available` (fails fast when it turns `failed`). */
export async function waitImageAvailable(ctx: WaitContext, ec2: EC2Client, imageId: string): Promise<void> {
  await waiting(`${imageId} to become available`, () =>
    ec2Sdk.waitUntilImageAvailable(config(ec2, 'image', ctx), { ImageIds: [imageId] }),
  );
}

/** Until the instance's instance status check is `ok` (it is running and reachable). */
export async function waitInstanceStatusOk(
  ctx: WaitContext,
  ec2: EC2Client,
  instanceId: string,
): Promise<void> {
  await waiting(`${instanceId} to pass its status checks`, () =>
    ec2Sdk.waitUntilInstanceStatusOk(config(ec2, 'status', ctx), { InstanceIds: [instanceId] }),
  );
}

/**
 * Polls `check` until it answers true, backing off from minDelay to maxDelay; errors from `check`
 * end the wait. For Auto Scaling conditions the SDK has no waiter for.
 */
export async function pollUntil(
  ctx: WaitContext,
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  const s = settings('group', ctx);
  const deadline = Date.now() + s.maxWaitSeconds * 1000;
  let delay = s.minDelaySeconds;
  await waiting(what, async () => {
    for (;;) {
      if (await check()) return;
      if (Date.now() + delay * 1000 > deadline) {
        throw Object.assign(new Error(`still not done after ${s.maxWaitSeconds}s`), { name: 'TimeoutError' });
      }
      await sleep(delay * 1000);
      delay = Math.min(delay * 2, s.maxDelaySeconds);
    }
  });
}
