// resize-instance: stop -> change the instance type -> start (rightsizing). Reversible: rollback
// does the same back to the original type. A failure halfway puts the instance back the way it
// was (original type, running again) before the error goes up.
import { z } from 'zod';
import { findInstance } from '../aws/ec2-lookup.js';
import { isGone, setInstanceType, startAndWait, stopAndWait } from '../aws/instances.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import { describeError } from '../lib/errors.js';
import type { Executor, ExecutorContext } from './types.js';

const params = z.object({
  instanceId: z.string().min(1),
  targetType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'an instance type such as m6i.large'),
});
export type ResizeInstanceParams = z.infer<typeof params>;
export interface ResizeInstanceUndo {
  originalType: string;
  /** Whether it was running before the resize (a stopped instance stays stopped). */
  wasRunning: boolean;
}

/** Puts the instance back after a failed resize: original type, and running if it was. */
async function putBack(
  ctx: ExecutorContext,
  instanceId: string,
  undo: ResizeInstanceUndo,
  typeChanged: boolean,
): Promise<string> {
  const ec2 = ctx.aws.ec2(ctx.region);
  try {
    if (typeChanged) await setInstanceType(ctx, ec2, instanceId, undo.originalType);
    if (undo.wasRunning) await startAndWait(ctx, ec2, instanceId);
    return `put it back as ${undo.originalType}${undo.wasRunning ? ' and started it again' : ''}`;
  } catch (err) {
    ctx.log.error({ err, instanceId }, 'putting the instance back after a failed resize failed');
    return `putting it back failed too (${describeError(err)}); check it now`;
  }
}

export const resizeInstance: Executor<ResizeInstanceParams, ResizeInstanceUndo> = {
  kind: 'resize-instance',
  params,
  permissions: [
    'ec2:DescribeInstances',
    'ec2:StopInstances',
    'ec2:ModifyInstanceAttribute',
    'ec2:StartInstances',
  ],

  // Downtime while stopped, and the new type may lack capacity when starting.
  risk: (_p, account) => (account.environment === 'PROD' ? 'HIGH' : 'MEDIUM'),

  describe: (p) => `Resize instance ${p.instanceId} to ${p.targetType} (stop, change type, start)`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const instance = await findInstance(ec2, p.instanceId);
      if (!instance || isGone(instance)) return stale(`${p.instanceId} no longer exists`);
      if (instance.InstanceType === p.targetType) return stale(`${p.instanceId} is already ${p.targetType}`);
      const state = instance.State?.Name;
      if (state !== 'running' && state !== 'stopped') {
        return { ok: false, reason: `${p.instanceId} is ${state}; try again once it has settled` };
      }
      const running = state === 'running';
      if (running) {
        await dryRunCheck('ec2:StopInstances', () =>
          ec2.send(new ec2Sdk.StopInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
        );
      }
      await dryRunCheck('ec2:ModifyInstanceAttribute', () =>
        ec2.send(
          new ec2Sdk.ModifyInstanceAttributeCommand({
            InstanceId: p.instanceId,
            InstanceType: { Value: p.targetType },
            DryRun: true,
          }),
        ),
      );
      if (running) {
        await dryRunCheck('ec2:StartInstances', () =>
          ec2.send(new ec2Sdk.StartInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
        );
      }
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const instance = await findInstance(ec2, p.instanceId);
    if (!instance || isGone(instance)) throw new Error(`resizing ${p.instanceId}: it no longer exists`);
    const undo: ResizeInstanceUndo = {
      originalType: instance.InstanceType ?? '',
      wasRunning: instance.State?.Name === 'running',
    };
    const change = `${p.instanceId} from ${undo.originalType} to ${p.targetType}`;

    if (ctx.dryRun) {
      // Only DryRun requests: each step's helper returns false without mutating.
      if (undo.wasRunning)
        await attempting(`stopping ${p.instanceId}`, () => stopAndWait(ctx, ec2, p.instanceId));
      await attempting(`changing the type of ${p.instanceId}`, () =>
        setInstanceType(ctx, ec2, p.instanceId, p.targetType),
      );
      if (undo.wasRunning)
        await attempting(`starting ${p.instanceId}`, () => startAndWait(ctx, ec2, p.instanceId));
      return { summary: `Would have resized ${change} (dry run)` };
    }

    if (undo.wasRunning)
      await attempting(`stopping ${p.instanceId}`, () => stopAndWait(ctx, ec2, p.instanceId));
    // From here on the instance is stopped: any failure must put it back before going up.
    let typeChanged = false;
    try {
      await setInstanceType(ctx, ec2, p.instanceId, p.targetType);
      typeChanged = true;
      if (undo.wasRunning) await startAndWait(ctx, ec2, p.instanceId);
    } catch (cause) {
      const restored = await putBack(ctx, p.instanceId, undo, typeChanged);
      throw new Error(`resizing ${change} failed; ${restored}`, { cause });
    }
    const how = undo.wasRunning ? 'stopped, changed type, started' : 'it stays stopped';
    return { summary: `Resized ${change} (${how})`, undo };
  },

  async verify(ctx, p) {
    const instance = await findInstance(ctx.aws.ec2(ctx.region), p.instanceId);
    return instance?.InstanceType === p.targetType
      ? OK
      : { ok: false, reason: `${p.instanceId} is ${instance?.InstanceType ?? 'gone'}, not ${p.targetType}` };
  },

  async rollback(ctx, p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const instance = await findInstance(ec2, p.instanceId);
    if (!instance || isGone(instance)) throw new Error(`rolling back ${p.instanceId}: it no longer exists`);
    const back = `${p.instanceId} back to ${undo.originalType}`;
    const running = instance.State?.Name === 'running';
    if (running) await attempting(`stopping ${p.instanceId}`, () => stopAndWait(ctx, ec2, p.instanceId));
    await attempting(`changing ${back}`, () => setInstanceType(ctx, ec2, p.instanceId, undo.originalType));
    if (undo.wasRunning)
      await attempting(`starting ${p.instanceId}`, () => startAndWait(ctx, ec2, p.instanceId));
    if (ctx.dryRun) return `Would have changed ${back} (dry run)`;
    return `Changed ${back}${undo.wasRunning ? ' and started it' : ''}`;
  },
};
