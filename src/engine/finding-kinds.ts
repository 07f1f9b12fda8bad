// The one catalogue of finding kinds: how people read each kind (labels, the verb for "done",
// the safety note) and how one finding's stored evidence reads in a line. Cards, the digest,
// App Home and /spot findings all take their words from here.
import { z } from 'zod';
import { SHADOW_KIND } from './shadow-policy.js';

export interface FindingKind {
  /** Heading for a list of them: "Unattached EBS volumes". */
  label: string;
  singular: string;
  plural: string;
  doneVerb: string;
  /** Safety line on the card: what is kept (a snapshot) or said plainly (no backup). */
  note?: string;
  /** Whether findings of this kind are grouped in one card per account + region. */
  grouped: boolean;
  /** The stored evidence, checked when it is read back. */
  evidence: z.ZodType<Record<string, unknown>>;
  line(e: Record<string, any>): string;
}

const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : '?');
const loose = <T extends z.ZodRawShape>(shape: T) =>
  z.looseObject(shape) as unknown as z.ZodType<Record<string, unknown>>;

export const FINDING_KINDS = {
  'unassociated-elastic-ips': {
    label: 'Unassociated Elastic IPs',
    singular: 'unassociated Elastic IP',
    plural: 'unassociated Elastic IPs',
    doneVerb: 'released',
    note: 'No backup: a released address may never come back, and allow-lists elsewhere may name it.',
    grouped: true,
    evidence: loose({ publicIp: z.string().optional(), allocationId: z.string().optional() }),
    line: (e) => `${e.publicIp} · ${e.allocationId}${e.name ? ` · ${e.name}` : ''}`,
  },
  'unattached-ebs-volumes': {
    label: 'Unattached EBS volumes',
    singular: 'unattached EBS volume',
    plural: 'unattached EBS volumes',
    doneVerb: 'deleted (snapshot kept)',
    note: 'A snapshot is taken before each volume is deleted; Roll back recreates the volume from it.',
    grouped: true,
    evidence: loose({ sizeGiB: z.number().optional(), volumeType: z.string().optional() }),
    line: (e) =>
      `${e.sizeGiB} GiB ${e.volumeType} in ${e.availabilityZone ?? '?'} · unattached since ${day(e.unattachedSince)} (${
        e.unattachedSinceSource === 'create-time' ? 'created then' : 'first seen by spotops'
      })${e.name ? ` · ${e.name}` : ''}`,
  },
  'old-ebs-snapshots': {
    label: 'Unused EBS snapshots',
    singular: 'unused EBS snapshot',
    plural: 'unused EBS snapshots',
    doneVerb: 'deleted',
    note: 'No backup: a deleted snapshot cannot be restored. Estimates use the full volume size (an upper bound).',
    grouped: true,
    evidence: loose({ volumeSizeGiB: z.number().optional(), ageDays: z.number().optional() }),
    line: (e) =>
      `${e.volumeSizeGiB} GiB · created ${day(e.startTime)} (${e.ageDays} days) · no AMI or launch template uses it${
        e.description ? ` · ${e.description}` : ''
      }`,
  },
  [SHADOW_KIND]: {
    label: 'Untagged instances',
    singular: 'untagged instance',
    plural: 'untagged instances',
    doneVerb: 'decided',
    grouped: true,
    evidence: loose({
      instanceType: z.string().optional(),
      availabilityZone: z.string().nullish(),
      launchTime: z.string().nullish(),
      name: z.string().nullish(),
      launchedBy: z.string().nullish(),
      missingTags: z.array(z.string()).optional(),
    }),
    line: (e) => `${e.instanceType ?? '?'} in ${e.availabilityZone ?? '?'}${e.name ? ` · ${e.name}` : ''}`,
  },
  'spot-lab': spot('Spot: single instances', 'instance'),
  'spot-asg': spot('Spot: Auto Scaling groups', 'Auto Scaling group'),
  'spot-k8s': spot('Spot: EKS node groups', 'EKS node group'),
} as const satisfies Record<string, FindingKind>;

function spot(label: string, what: string): FindingKind {
  return {
    label,
    singular: `${what} to move to Spot`,
    plural: `${what}s to move to Spot`,
    doneVerb: 'moved to Spot',
    grouped: false,
    evidence: loose({ card: z.record(z.string(), z.unknown()).optional() }),
    line: () => label,
  };
}

export type FindingKindName = keyof typeof FINDING_KINDS;

export function findingKind(kind: string): FindingKind | undefined {
  return Object.hasOwn(FINDING_KINDS, kind) ? FINDING_KINDS[kind as FindingKindName] : undefined;
}

/** Scan findings posted in one card per account + region + kind. */
export const isGroupedKind = (kind: string): boolean => findingKind(kind)?.grouped === true;

/** Waste kinds: grouped, approved item by item or all at once (everything grouped but Shadow IT). */
export const isWasteKind = (kind: string): boolean => isGroupedKind(kind) && kind !== SHADOW_KIND;

export const kindLabel = (kind: string): string => findingKind(kind)?.label ?? kind;
