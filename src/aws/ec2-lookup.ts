// Read-only lookups of one EC2 resource by id, shared by the executors. "Not found" is an answer
// (undefined), not an error: the world drifts between the card and the click. A refused Describe
// becomes a PermissionError naming the read action, so validation can say what the role lacks.
import type {
  Address,
  EC2Client,
  Image,
  Instance,
  Snapshot,
  Volume,
  VolumeModification,
} from '@aws-sdk/client-ec2';
import { awsErrorCode, PermissionError } from '../lib/errors.js';
import { collect } from './paginate.js';
import { ec2Sdk } from './sdk.js';

/** EC2's "no such resource" codes: InvalidVolume.NotFound, InvalidAllocationID.NotFound, ... */
export function isNotFound(err: unknown): boolean {
  return (awsErrorCode(err) ?? '').endsWith('NotFound');
}

export function isPermissionDenied(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException';
}

async function lookup<T>(action: string, what: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (isPermissionDenied(err)) throw new PermissionError(action, undefined, { cause: err });
    throw new Error(`describing ${what}`, { cause: err });
  }
}

export async function findAddress(ec2: EC2Client, allocationId: string): Promise<Address | undefined> {
  const out = await lookup('ec2:DescribeAddresses', allocationId, () =>
    ec2.send(new ec2Sdk.DescribeAddressesCommand({ AllocationIds: [allocationId] })),
  );
  return out?.Addresses?.find((a) => a.AllocationId === allocationId);
}

export async function findVolume(ec2: EC2Client, volumeId: string): Promise<Volume | undefined> {
  const out = await lookup('ec2:DescribeVolumes', volumeId, () =>
    ec2.send(new ec2Sdk.DescribeVolumesCommand({ VolumeIds: [volumeId] })),
  );
  return out?.Volumes?.find((v) => v.VolumeId === volumeId);
}

export async function findSnapshot(ec2: EC2Client, snapshotId: string): Promise<Snapshot | undefined> {
  const out = await lookup('ec2:DescribeSnapshots', snapshotId, () =>
    ec2.send(new ec2Sdk.DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })),
  );
  return out?.Snapshots?.find((s) => s.SnapshotId === snapshotId);
}

export async function findInstance(ec2: EC2Client, instanceId: string): Promise<Instance | undefined> {
  const out = await lookup('ec2:DescribeInstances', instanceId, () =>
    ec2.send(new ec2Sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  return out?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
}

/** AMIs owned by this account whose block devices come from the snapshot. */
export async function imagesUsingSnapshot(ec2: EC2Client, snapshotId: string): Promise<Image[]> {
  const out = await lookup('ec2:DescribeImages', `images using ${snapshotId}`, () =>
    ec2.send(
      new ec2Sdk.DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [snapshotId] }],
      }),
    ),
  );
  return out?.Images ?? [];
}

/** The volume's modifications, newest first. */
export async function volumeModifications(ec2: EC2Client, volumeId: string): Promise<VolumeModification[]> {
  const out = await lookup('ec2:DescribeVolumesModifications', `modifications of ${volumeId}`, () =>
    ec2.send(new ec2Sdk.DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] })),
  );
  return [...(out?.VolumesModifications ?? [])].sort(
    (a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0),
  );
}

/** resourceId -> tag key -> value, for the given resources (every page). */
export async function tagsOf(
  ec2: EC2Client,
  resourceIds: readonly string[],
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const id of resourceIds) out[id] = {};
  const tags = await lookup('ec2:DescribeTags', `tags of ${resourceIds.join(', ')}`, () =>
    collect(
      ec2Sdk.paginateDescribeTags(
        { client: ec2 },
        { Filters: [{ Name: 'resource-id', Values: [...resourceIds] }], MaxResults: 1000 },
      ),
      (page) => page.Tags,
    ),
  );
  for (const t of tags ?? []) {
    if (t.ResourceId && t.Key) {
      out[t.ResourceId] ??= {};
      (out[t.ResourceId] as Record<string, string>)[t.Key] = t.Value ?? '';
    }
  }
  return out;
}
