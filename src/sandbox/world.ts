// The state of the simulated AWS accounts: plain AWS-shaped records (the SDK's own types) per
// account and region, saved as JSON beside the database so a restart keeps what approvals changed.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type {
  Address,
  Image,
  Instance,
  LaunchTemplate,
  LaunchTemplateVersion,
  Snapshot,
  Subnet,
  Volume,
} from '@aws-sdk/client-ec2';
import type { Cluster, Nodegroup } from '@aws-sdk/client-eks';

export interface RegionState {
  instances: Instance[];
  addresses: Address[];
  volumes: Volume[];
  snapshots: Snapshot[];
  images: Image[];
  subnets: Subnet[];
  launchTemplates: { template: LaunchTemplate; versions: LaunchTemplateVersion[] }[];
  groups: AutoScalingGroup[];
  clusters: { cluster: Cluster; nodegroups: Nodegroup[] }[];
}

export interface SimAccount {
  awsAccountId: string;
  name: string;
  regions: Record<string, RegionState>;
}

export interface World {
  version: 1;
  /** Counter for new resource ids (hex, so they look like AWS ids). */
  seq: number;
  accounts: Record<string, SimAccount>;
}

/** Keys whose values are Dates in the SDK's output types (ISO strings in the JSON file). */
const DATE_KEYS = new Set([
  'LaunchTime',
  'CreateTime',
  'StartTime',
  'CreatedTime',
  'AttachTime',
  'createdAt',
  'modifiedAt',
  'Timestamp',
]);

export function parseWorld(text: string): World {
  return JSON.parse(text, (key, value) =>
    DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value,
  ) as World;
}

export function loadWorld(path: string): World | undefined {
  try {
    return parseWorld(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`reading the sandbox account state from ${path}`, { cause: err });
  }
}

/** Atomic write: a crash mid-save leaves the previous state. */
export function saveWorld(path: string, world: World): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(world, null, 1));
  renameSync(tmp, path);
}

export function emptyRegion(): RegionState {
  return {
    instances: [],
    addresses: [],
    volumes: [],
    snapshots: [],
    images: [],
    subnets: [],
    launchTemplates: [],
    groups: [],
    clusters: [],
  };
}
