// Commitments first: On-Demand capacity already paid for by a Reserved Instance or a Savings
// Plan is not moved to Spot, because moving it raises the bill (the commitment is paid anyway).
// Regional Linux RIs are size-flexible within their family (AWS normalization factors: one
// m5.xlarge RI covers two m5.large); zonal RIs cover their exact type in their AZ. A Compute
// Savings Plan may pay for this capacity too: the estimate keeps only the part its hourly
// commitment cannot cover (an upper bound of the overlap: utilisation needs Cost Explorer).
import type { ReservedInstances } from '@aws-sdk/client-ec2';
import type { AccountAccess } from '../aws/clients.js';
import { ec2Sdk, savingsPlansSdk } from '../aws/sdk.js';
import type { Logger } from '../lib/logger.js';

export interface CommitmentCheck {
  /** Commitments that cover or overlap this capacity. */
  commitments: { kind: 'reserved-instance' | 'savings-plan'; id: string }[];
  /** Instances of the evaluated type the Reserved Instances can pay for (after size flexibility). */
  reservedCount: number;
  /** Normalized units of the applicable RIs (AWS normalization factors). */
  reservedUnits: number;
  /** An EC2 Instance Savings Plan for this family in this region: it covers this usage first. */
  coveringPlan?: string;
  /** Compute Savings Plans: their total hourly commitment (USD/h), which may pay for this capacity. */
  computePlans: { id: string; commitmentPerHour: number }[];
}

/** AWS's RI normalization factor per instance size (EC2 User Guide, "instance size flexibility"). */
export const NORMALIZATION_FACTORS: Readonly<Record<string, number>> = {
  nano: 0.25,
  micro: 0.5,
  small: 1,
  medium: 2,
  large: 4,
  xlarge: 8,
  '2xlarge': 16,
  '3xlarge': 24,
  '4xlarge': 32,
  '6xlarge': 48,
  '8xlarge': 64,
  '9xlarge': 72,
  '10xlarge': 80,
  '12xlarge': 96,
  '16xlarge': 128,
  '18xlarge': 144,
  '24xlarge': 192,
  '32xlarge': 256,
  '48xlarge': 384,
  '56xlarge': 448,
  '112xlarge': 896,
};

/** Normalization factor of a type; undefined for sizes without one (e.g. metal: matched exactly). */
export function normalizationFactor(instanceType: string): number | undefined {
  return NORMALIZATION_FACTORS[instanceType.split('.')[1] ?? ''];
}

const familyOf = (t: string) => t.split('.')[0];
const LINUX = new Set(['Linux/UNIX', 'Linux/UNIX (Amazon VPC)']);

/** Normalized units an RI contributes to `instanceType` in `azNames` (0 when it does not apply). */
export function reservedUnitsFor(
  ri: ReservedInstances,
  instanceType: string,
  azNames: readonly string[],
): number {
  const count = ri.InstanceCount ?? 0;
  const riType = ri.InstanceType ?? '';
  if (ri.Scope !== 'Region') {
    // Zonal: exact type, its own AZ only.
    if (riType !== instanceType || !ri.AvailabilityZone || !azNames.includes(ri.AvailabilityZone)) return 0;
    return count * (normalizationFactor(riType) ?? 1);
  }
  if (riType === instanceType) return count * (normalizationFactor(riType) ?? 1);
  // Size flexibility: regional, Linux/UNIX, default tenancy, same family, both sizes normalizable.
  const flexible =
    familyOf(riType) === familyOf(instanceType) &&
    (ri.ProductDescription === undefined || LINUX.has(ri.ProductDescription)) &&
    (ri.InstanceTenancy === undefined || ri.InstanceTenancy === 'default');
  const riFactor = normalizationFactor(riType);
  return flexible && riFactor !== undefined && normalizationFactor(instanceType) !== undefined
    ? count * riFactor
    : 0;
}

export async function checkCommitments(
  aws: AccountAccess,
  region: string,
  instanceType: string,
  azNames: string[],
  log: Logger,
): Promise<CommitmentCheck> {
  const out: CommitmentCheck = { commitments: [], reservedCount: 0, reservedUnits: 0, computePlans: [] };
  const ri = await aws
    .ec2(region)
    .send(new ec2Sdk.DescribeReservedInstancesCommand({ Filters: [{ Name: 'state', Values: ['active'] }] }))
    .catch((err) => {
      log.warn({ err, region }, 'DescribeReservedInstances failed; commitments not checked');
      return undefined;
    });
  for (const r of ri?.ReservedInstances ?? []) {
    if (!r.ReservedInstancesId) continue;
    const units = reservedUnitsFor(r, instanceType, azNames);
    if (units <= 0) continue;
    out.commitments.push({ kind: 'reserved-instance', id: r.ReservedInstancesId });
    out.reservedUnits += units;
  }
  out.reservedCount = Math.floor(out.reservedUnits / (normalizationFactor(instanceType) ?? 1));
  const family = familyOf(instanceType);
  const sp = await aws
    .savingsPlans()
    .send(new savingsPlansSdk.DescribeSavingsPlansCommand({ states: ['active'] }))
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
      const perHour = Number.parseFloat(p.commitment ?? '');
      if (Number.isFinite(perHour) && perHour > 0)
        out.computePlans.push({ id: p.savingsPlanId, commitmentPerHour: perHour });
    }
  }
  return out;
}

export interface CommitmentAdjustment {
  /** Instances that may move (On-Demand count minus what RIs pay for). */
  movable: number;
  /** Share of the movable capacity's On-Demand cost a Compute Savings Plan may already pay (0..1). */
  computePlanShare: number;
  /** One line for the card; null when no commitment overlaps. */
  line: string | null;
}

/**
 * How commitments reduce the Spot estimate: RIs (after size flexibility) keep their instances
 * On-Demand; a Compute Savings Plan's hourly commitment may pay for the rest, so only the part
 * it cannot cover counts as saved.
 */
export function commitmentAdjustment(
  check: CommitmentCheck,
  onDemandCount: number,
  instanceType: string,
  onDemandPerHour: number,
): CommitmentAdjustment {
  const movable = Math.max(0, onDemandCount - check.reservedCount);
  const commitment = check.computePlans.reduce((n, p) => n + p.commitmentPerHour, 0);
  const cost = movable * onDemandPerHour;
  const computePlanShare = cost > 0 ? Math.min(1, commitment / cost) : 0;
  const parts: string[] = [];
  if (check.reservedUnits > 0) {
    const kept = Math.min(onDemandCount, check.reservedCount);
    parts.push(
      `Reserved Instances give ${check.reservedUnits} normalized units (size-flexible), enough for ${check.reservedCount} × ${instanceType}: ${kept} of ${onDemandCount} stay On-Demand`,
    );
  }
  if (computePlanShare > 0) {
    parts.push(
      `Compute Savings Plan commitment $${commitment.toFixed(2)}/h may already pay for up to ${Math.round(computePlanShare * 100)}% of the rest; the estimate counts only the uncovered part`,
    );
  }
  return { movable, computePlanShare, line: parts.length ? `${parts.join('. ')}.` : null };
}
