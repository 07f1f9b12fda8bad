// Finds what an earlier, interrupted attempt of a step created, by the tags it put on it
// (`spotops:execution` + `spotops:step`). Used where AWS has no idempotency token
// (CreateSnapshot, CreateImage), and as a first look before RunInstances on a resumed step.
import type { EC2Client, Filter, Image, Instance, Snapshot, Tag } from '@aws-sdk/client-ec2';
import { ec2Sdk } from './sdk.js';

const filters = (tags: readonly Tag[]): Filter[] =>
  tags.map((t) => ({ Name: `tag:${t.Key}`, Values: [t.Value ?? ''] }));

export async function findTaggedSnapshots(ec2: EC2Client, tags: readonly Tag[]): Promise<Snapshot[]> {
  if (tags.length === 0) return [];
  try {
    const out = await ec2.send(
      new ec2Sdk.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: filters(tags) }),
    );
    return (out.Snapshots ?? []).filter((s) => s.State !== 'error');
  } catch (err) {
    throw new Error('looking for snapshots an interrupted step made', { cause: err });
  }
}

export async function findTaggedImages(ec2: EC2Client, tags: readonly Tag[]): Promise<Image[]> {
  if (tags.length === 0) return [];
  try {
    const out = await ec2.send(
      new ec2Sdk.DescribeImagesCommand({ Owners: ['self'], Filters: filters(tags) }),
    );
    return (out.Images ?? []).filter((i) => i.State !== 'failed' && i.State !== 'deregistered');
  } catch (err) {
    throw new Error('looking for images an interrupted step made', { cause: err });
  }
}

/** Instances (not terminated) carrying the tags. */
export async function findTaggedInstances(ec2: EC2Client, tags: readonly Tag[]): Promise<Instance[]> {
  if (tags.length === 0) return [];
  try {
    const out = await ec2.send(
      new ec2Sdk.DescribeInstancesCommand({
        Filters: [
          ...filters(tags),
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    return out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  } catch (err) {
    throw new Error('looking for instances an interrupted step launched', { cause: err });
  }
}
