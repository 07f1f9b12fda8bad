// Commitments first: On-Demand capacity already paid for by a Reserved Instance or a Savings
// Plan is not moved to Spot, because moving it raises the bill (the commitment is paid anyway).
import { DescribeReservedInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeSavingsPlansCommand } from '@aws-sdk/client-savingsplans';
import type { AccountAccess } from '../aws/clients.js';
import type { Logger } from '../lib/logger.js';

export interface CommitmentCheck {
  /** Commitments that cover or overlap this capacity. */
  commitments: { kind: 'reserved-instance' | 'savings-plan'; id: string }[];
  /** Instances the Reserved Instances pay for. */
  reservedCount: number;
  /** An EC2 Instance Savings Plan for this family in this region: it covers this usage first. */
  coveringPlan?: string;
}

export async function checkCommitments(
  aws: AccountAccess,
  region: string,
  instanceType: string,
  azNames: string[],
  log: Logger,
): Promise<CommitmentCheck> {
  const out: CommitmentCheck = { commitments: [], reservedCount: 0 };
  const ri = await aws
    .ec2(region)
    .send(
      new DescribeReservedInstancesCommand({
        Filters: [
          { Name: 'state', Values: ['active'] },
          { Name: 'instance-type', Values: [instanceType] },
        ],
      }),
    )
    .catch((err) => {
      log.warn({ err, region }, 'DescribeReservedInstances failed; commitments not checked');
      return undefined;
    });
  for (const r of ri?.ReservedInstances ?? []) {
    // A zonal RI covers its AZ only; a regional one covers the type anywhere in the region.
    const applies =
      r.Scope === 'Region' || (r.AvailabilityZone !== undefined && azNames.includes(r.AvailabilityZone));
    if (!applies || !r.ReservedInstancesId) continue;
    out.commitments.push({ kind: 'reserved-instance', id: r.ReservedInstancesId });
    out.reservedCount += r.InstanceCount ?? 0;
  }
  const family = instanceType.split('.')[0];
  const sp = await aws
    .savingsPlans()
    .send(new DescribeSavingsPlansCommand({ states: ['active'] }))
    .catch((err) => {
      // The role may not allow savingsplans:DescribeSavingsPlans; that is optional.
      log.debug({ err }, 'DescribeSavingsPlans failed; Savings Plans not checked');
      return undefined;
    });
  for (const p of sp?.savingsPlans ?? []) {
    if (!p.savingsPlanId) continue;
    if (p.savingsPlanType === 'EC2Instance' && p.ec2InstanceFamily === family && p.region === region) {
      out.coveringPlan = p.savingsPlanId;
      out.commitments.push({ kind: 'savings-plan', id: p.savingsPlanId });
    } else if (p.savingsPlanType === 'Compute') {
      out.commitments.push({ kind: 'savings-plan', id: p.savingsPlanId });
    }
  }
  return out;
}
