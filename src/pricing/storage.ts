// Storage and address list prices used by the waste scanners' savings estimates: EBS volumes
// (per volume type, with provisioned IOPS and gp3 throughput), EBS snapshots and idle public
// IPv4 addresses (Elastic IPs). Static tables: a saving is an estimate shown on a card, and these
// prices change rarely; us-east-1 is the fallback for regions not listed.
//
// Sources (list prices, USD, as published when this table was written):
// - EBS volumes and snapshots: https://aws.amazon.com/ebs/pricing/
// - Public IPv4 addresses (idle or in use, $0.005/h since 2024-02-01):
//   https://aws.amazon.com/vpc/pricing/ ("Public IPv4 address" tab)

import { HOURS_PER_MONTH } from './savings.js';

/** One month length everywhere: 730 h (AWS's convention, as for compute), so $0.005/h = $3.65/month. */
export { HOURS_PER_MONTH };

/** EBS volume prices in us-east-1 (https://aws.amazon.com/ebs/pricing/). */
interface VolumeTypePrice {
  perGbMonth: number;
  /** IOPS included free (gp3 baseline); IOPS above it are charged. */
  freeIops?: number;
  /** Tiers of $ per provisioned IOPS-month: [upTo IOPS (inclusive), price]. */
  iopsTiers?: readonly (readonly [number, number])[];
  /** Throughput included free (gp3 baseline, MiB/s); above it $perMiBpsMonth. */
  freeThroughputMiBps?: number;
  perMiBpsMonth?: number;
}

const EBS_US_EAST_1: Readonly<Record<string, VolumeTypePrice>> = {
  gp3: {
    perGbMonth: 0.08,
    freeIops: 3000,
    iopsTiers: [[Number.POSITIVE_INFINITY, 0.005]],
    freeThroughputMiBps: 125,
    perMiBpsMonth: 0.04,
  },
  gp2: { perGbMonth: 0.1 },
  io1: { perGbMonth: 0.125, iopsTiers: [[Number.POSITIVE_INFINITY, 0.065]] },
  io2: {
    perGbMonth: 0.125,
    iopsTiers: [
      [32_000, 0.065],
      [64_000, 0.0455],
      [Number.POSITIVE_INFINITY, 0.032],
    ],
  },
  st1: { perGbMonth: 0.045 },
  sc1: { perGbMonth: 0.015 },
  // Magnetic also bills $0.05 per million I/O requests; an unattached volume makes none.
  standard: { perGbMonth: 0.05 },
};

/**
 * Regional EBS volume price relative to us-east-1, taken from the gp2 per-GB price of each
 * region (gp3, io1/io2, st1 and sc1 follow the same ratio within a few percent there). Regions
 * not listed use 1 (us-east-1 prices).
 */
export const EBS_REGION_MULTIPLIER: Readonly<Record<string, number>> = {
  'us-east-1': 1,
  'us-east-2': 1,
  'us-west-2': 1,
  'us-west-1': 1.2,
  'ca-central-1': 1.1,
  'eu-west-1': 1.1,
  'eu-west-2': 1.16,
  'eu-central-1': 1.19,
  'ap-northeast-1': 1.2,
  'ap-southeast-1': 1.2,
  'ap-southeast-2': 1.2,
  'ap-south-1': 1.14,
  'sa-east-1': 1.9,
};

/** EBS snapshot storage, standard tier, $/GB-month (https://aws.amazon.com/ebs/pricing/). */
export const SNAPSHOT_STANDARD_GB_MONTH: Readonly<Record<string, number>> & { default: number } = {
  default: 0.05,
  'us-east-1': 0.05,
  'us-east-2': 0.05,
  'us-west-2': 0.05,
  'us-west-1': 0.055,
  'eu-west-1': 0.05,
  'eu-central-1': 0.054,
  'sa-east-1': 0.068,
};

/** EBS snapshot storage, archive tier, $/GB-month (us-east-1; full copy, not incremental). */
export const SNAPSHOT_ARCHIVE_GB_MONTH = 0.0125;

/** Public IPv4 address (an Elastic IP, associated or not), $/hour (https://aws.amazon.com/vpc/pricing/). */
export const PUBLIC_IPV4_HOURLY: Readonly<Record<string, number>> & { default: number } = {
  default: 0.005,
  'us-east-1': 0.005,
};

export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Monthly cost of one idle Elastic IP in `region`. */
export function elasticIpMonthlyUsd(region: string): number {
  return round2((PUBLIC_IPV4_HOURLY[region] ?? PUBLIC_IPV4_HOURLY.default) * HOURS_PER_MONTH);
}

export interface VolumeSpec {
  volumeType: string;
  sizeGiB: number;
  iops?: number;
  throughputMiBps?: number;
}

export interface VolumeEstimate {
  /** Total, rounded to cents; 0 when the volume type is not in the table. */
  monthlyUsd: number;
  storageUsd: number;
  iopsUsd: number;
  throughputUsd: number;
  /** False for an unknown volume type (the estimate is then 0, not a guess). */
  priced: boolean;
  /** One line for a card, e.g. "100 GiB gp2 x $0.100/GB-month". */
  basis: string;
}

function tieredIopsCost(iops: number, tiers: readonly (readonly [number, number])[]): number {
  let cost = 0;
  let floor = 0;
  for (const [upTo, price] of tiers) {
    if (iops <= floor) break;
    cost += (Math.min(iops, upTo) - floor) * price;
    floor = upTo;
  }
  return cost;
}

/** Monthly list-price cost of an EBS volume in `region` (storage + provisioned performance). */
export function ebsVolumeMonthlyUsd(region: string, spec: VolumeSpec): VolumeEstimate {
  const price = EBS_US_EAST_1[spec.volumeType];
  if (!price) {
    return {
      monthlyUsd: 0,
      storageUsd: 0,
      iopsUsd: 0,
      throughputUsd: 0,
      priced: false,
      basis: `no list price for volume type ${spec.volumeType}`,
    };
  }
  const m = EBS_REGION_MULTIPLIER[region] ?? 1;
  const perGb = price.perGbMonth * m;
  const storageUsd = spec.sizeGiB * perGb;
  const chargedIops = Math.max(0, (spec.iops ?? 0) - (price.freeIops ?? 0));
  const iopsUsd = price.iopsTiers ? tieredIopsCost(chargedIops, price.iopsTiers) * m : 0;
  const chargedThroughput = Math.max(0, (spec.throughputMiBps ?? 0) - (price.freeThroughputMiBps ?? 0));
  const throughputUsd = price.perMiBpsMonth ? chargedThroughput * price.perMiBpsMonth * m : 0;
  const parts = [`${spec.sizeGiB} GiB ${spec.volumeType} x $${perGb.toFixed(3)}/GB-month`];
  if (iopsUsd > 0) parts.push(`${chargedIops} provisioned IOPS`);
  if (throughputUsd > 0) parts.push(`${chargedThroughput} MiB/s throughput above baseline`);
  return {
    monthlyUsd: round2(storageUsd + iopsUsd + throughputUsd),
    storageUsd: round2(storageUsd),
    iopsUsd: round2(iopsUsd),
    throughputUsd: round2(throughputUsd),
    priced: true,
    basis: parts.join(' + '),
  };
}

/**
 * Upper bound of what deleting a snapshot saves: its full source-volume size at the tier's rate.
 * Standard-tier snapshots are incremental, so the real saving is usually smaller.
 */
export function snapshotMonthlyUsd(region: string, sizeGiB: number, storageTier?: string): number {
  const rate =
    storageTier === 'archive'
      ? SNAPSHOT_ARCHIVE_GB_MONTH
      : (SNAPSHOT_STANDARD_GB_MONTH[region] ?? SNAPSHOT_STANDARD_GB_MONTH.default);
  return round2(sizeGiB * rate);
}
