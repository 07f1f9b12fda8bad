// The scanner registry: kind -> scanner. Explicit, so a reader sees every detector in one place;
// the CloudFormation read policy is derived from the permissions they declare.
import { oldEbsSnapshots } from './old-ebs-snapshots.js';
import type { Scanner } from './types.js';
import { unassociatedElasticIps } from './unassociated-elastic-ips.js';
import { unattachedEbsVolumes } from './unattached-ebs-volumes.js';
import { unauthorizedInstances } from './unauthorized-instances.js';

export const scanners = {
  'unassociated-elastic-ips': unassociatedElasticIps,
  'unattached-ebs-volumes': unattachedEbsVolumes,
  'old-ebs-snapshots': oldEbsSnapshots,
  'unauthorized-instances': unauthorizedInstances,
} as const satisfies Record<string, Scanner>;

export type ScannerKind = keyof typeof scanners;

/** The waste-manager scanners (daily) and the Shadow IT scanner (hourly), for the job schedule. */
export const WASTE_SCANNERS: readonly ScannerKind[] = [
  'unassociated-elastic-ips',
  'unattached-ebs-volumes',
  'old-ebs-snapshots',
];
export const SHADOW_IT_SCANNERS: readonly ScannerKind[] = ['unauthorized-instances'];

export function getScanner(kind: string): Scanner | undefined {
  return Object.hasOwn(scanners, kind) ? (scanners as Record<string, Scanner>)[kind] : undefined;
}

export function scannerPermissions(): string[] {
  return [
    ...new Set(Object.values(scanners as Record<string, Scanner>).flatMap((s) => s.permissions)),
  ].sort();
}
