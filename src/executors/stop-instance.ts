// stop-instance: stops a running instance and waits until it is stopped. Reversible: rollback
// starts it again. Shadow IT sets `requireUnauthorized` so an instance that got claimed (an
// authorising tag) since the warning is left alone.
import { z } from 'zod';
import { authorizingTagSchema } from '../aws/authorizing-tags.js';
import { findInstance } from '../aws/ec2-lookup.js';
import { isGone, nowAuthorized, startAndWait, stopAndWait } from '../aws/instances.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({
  instanceId: z.string().min(1),
  requireUnauthorized: z.boolean().optional(),
  authorizingTags: z.array(authorizingTagSchema).optional(),
});
export type StopInstanceParams = z.infer<typeof params>;
export interface StopInstanceUndo {
  instanceId: string;
}

export const stopInstance: Executor<StopInstanceParams, StopInstanceUndo> = {
  kind: 'stop-instance',
  params,
  permissions: ['ec2:DescribeInstances', 'ec2:StopInstances', 'ec2:StartInstances'],

  risk: (_p, account) => (account.environment === 'PROD' ? 'HIGH' : 'MEDIUM'),

  describe: (p) => `Stop instance ${p.instanceId}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const instance = await findInstance(ec2, p.instanceId);
      if (!instance || isGone(instance)) return stale(`${p.instanceId} no longer exists`);
      const state = instance.State?.Name;
      if (state !== 'running') return stale(`${p.instanceId} is ${state}, not running`);
      const authorized = nowAuthorized(instance, p);
      if (authorized) return stale(authorized);
      await dryRunCheck('ec2:StopInstances', () =>
        ec2.send(new ec2Sdk.StopInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const live = await attempting(`stopping ${p.instanceId}`, () => stopAndWait(ctx, ec2, p.instanceId));
    if (!live) return { summary: `Would have stopped ${p.instanceId} (dry run)` };
    return { summary: `Stopped ${p.instanceId}`, undo: { instanceId: p.instanceId } };
  },

  async verify(ctx, p) {
    const state = (await findInstance(ctx.aws.ec2(ctx.region), p.instanceId))?.State?.Name;
    return state === 'stopped'
      ? OK
      : { ok: false, reason: `${p.instanceId} is ${state ?? 'gone'}, not stopped` };
  },

  async rollback(ctx, _p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const live = await attempting(`starting ${undo.instanceId} again`, () =>
      startAndWait(ctx, ec2, undo.instanceId),
    );
    return live
      ? `Started ${undo.instanceId} again`
      : `Would have started ${undo.instanceId} again (dry run)`;
  },
};
