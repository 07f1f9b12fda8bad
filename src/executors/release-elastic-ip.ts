// release-elastic-ip: gives an unattached Elastic IP back to AWS (waste manager). Irreversible:
// once released, the address may be handed to another account at once.
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { findAddress } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({ allocationId: z.string().min(1), publicIp: z.string().optional() });
export type ReleaseElasticIpParams = z.infer<typeof params>;

const label = (p: ReleaseElasticIpParams) =>
  p.publicIp ? `${p.publicIp} (${p.allocationId})` : p.allocationId;

export const releaseElasticIp: Executor<ReleaseElasticIpParams> = {
  kind: 'release-elastic-ip',
  params,
  permissions: ['ec2:DescribeAddresses', 'ec2:ReleaseAddress'],
  rollbackNote: 'No rollback: a released Elastic IP can be given to another AWS account at once.',

  risk: () => 'LOW',

  describe: (p) => `Release Elastic IP ${label(p)}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const address = await findAddress(ec2, p.allocationId);
      if (!address) return stale(`${p.allocationId} no longer exists`);
      const holder = address.InstanceId || address.NetworkInterfaceId || address.AssociationId;
      if (holder) return stale(`${p.allocationId} is now associated with ${holder}`);
      await dryRunCheck('ec2:ReleaseAddress', () =>
        ec2.send(new ec2Sdk.ReleaseAddressCommand({ AllocationId: p.allocationId, DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const res = await attempting(`releasing ${p.allocationId}`, () =>
      mutateEc2(ctx, 'ec2:ReleaseAddress', (dryRun) =>
        ec2.send(new ec2Sdk.ReleaseAddressCommand({ AllocationId: p.allocationId, DryRun: dryRun })),
      ),
    );
    if (res.dryRun) return { summary: `Would have released ${label(p)} (dry run)` };
    return { summary: `Released ${label(p)}` };
  },

  async verify(ctx, p) {
    const address = await findAddress(ctx.aws.ec2(ctx.region), p.allocationId);
    return address ? { ok: false, reason: `${p.allocationId} is still allocated` } : OK;
  },
};
