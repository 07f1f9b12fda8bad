// start-instance: starts a stopped instance and waits until it runs. Reversible: rollback stops it.
import { z } from 'zod';
import { findInstance } from '../aws/ec2-lookup.js';
import { isGone, startAndWait, stopAndWait } from '../aws/instances.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({ instanceId: z.string().min(1) });
export type StartInstanceParams = z.infer<typeof params>;
export interface StartInstanceUndo {
  instanceId: string;
}

export const startInstance: Executor<StartInstanceParams, StartInstanceUndo> = {
  kind: 'start-instance',
  params,
  permissions: ['ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances'],

  risk: (_p, account) => (account.environment === 'PROD' ? 'MEDIUM' : 'LOW'),

  describe: (p) => `Start instance ${p.instanceId}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const instance = await findInstance(ec2, p.instanceId);
      if (!instance || isGone(instance)) return stale(`${p.instanceId} no longer exists`);
      const state = instance.State?.Name;
      if (state !== 'stopped') return stale(`${p.instanceId} is ${state}, not stopped`);
      await dryRunCheck('ec2:StartInstances', () =>
        ec2.send(new ec2Sdk.StartInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const live = await attempting(`starting ${p.instanceId}`, () => startAndWait(ctx, ec2, p.instanceId));
    if (!live) return { summary: `Would have started ${p.instanceId} (dry run)` };
    return { summary: `Started ${p.instanceId}`, undo: { instanceId: p.instanceId } };
  },

  async verify(ctx, p) {
    const state = (await findInstance(ctx.aws.ec2(ctx.region), p.instanceId))?.State?.Name;
    return state === 'running'
      ? OK
      : { ok: false, reason: `${p.instanceId} is ${state ?? 'gone'}, not running` };
  },

  async rollback(ctx, _p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const live = await attempting(`stopping ${undo.instanceId} again`, () =>
      stopAndWait(ctx, ec2, undo.instanceId),
    );
    return live
      ? `Stopped ${undo.instanceId} again`
      : `Would have stopped ${undo.instanceId} again (dry run)`;
  },
};
