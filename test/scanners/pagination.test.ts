// The scanners list EC2 page by page with the documented maximum page size (MaxResults) and
// follow NextToken to the end, yielding each page's findings before asking for the next.
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  DescribeLaunchTemplatesCommand,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  type DescribeSnapshotsCommandOutput,
  DescribeVolumesCommand,
  type DescribeVolumesCommandInput,
  type DescribeVolumesCommandOutput,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/db/schema.js';
import { oldEbsSnapshots } from '../../src/scanners/old-ebs-snapshots.js';
import { unattachedEbsVolumes } from '../../src/scanners/unattached-ebs-volumes.js';
import { unauthorizedInstances } from '../../src/scanners/unauthorized-instances.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, insertAccount, scanContext } from './helpers.js';

const ec2 = mockClient(EC2Client);

/**
 * Answers `responses` in turn and records a copy of each request (the SDK's paginator reuses one
 * input object, so a recorded reference would only show the last token).
 */
function pagesOf<I extends object, O>(
  responses: (O | Error)[],
): { inputs: I[]; fake: (input: I) => Promise<O> } {
  const inputs: I[] = [];
  return {
    inputs,
    fake: async (input) => {
      inputs.push({ ...input });
      const next = responses[inputs.length - 1];
      if (!next) throw new Error('no more pages');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('paginated listing', () => {
  let t: TestDatabase;
  let account: Account;

  beforeAll(async () => {
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  });
  afterAll(() => t.destroy());
  beforeEach(() => ec2.reset());

  it('asks for 500 volumes a page and follows NextToken, yielding each page as it arrives', async () => {
    const vol = (id: string) => ({ VolumeId: id, State: 'available' as const, Size: 10 });
    const listing = pagesOf<DescribeVolumesCommandInput, DescribeVolumesCommandOutput>([
      { Volumes: [vol('vol-1'), vol('vol-2')], NextToken: 'page-2', $metadata: {} },
      { Volumes: [vol('vol-3')], $metadata: {} },
    ]);
    ec2.on(DescribeVolumesCommand).callsFake(listing.fake);

    const requestsBeforePage: number[] = [];
    for await (const page of unattachedEbsVolumes.pages(scanContext(t.db, account))) {
      // Each page is judged before the next is requested.
      requestsBeforePage.push(listing.inputs.length);
      expect(page).toEqual([]); // first seen today: not unattached long enough yet
    }

    expect(listing.inputs.map((i) => [i.MaxResults, i.NextToken])).toEqual([
      [500, undefined],
      [500, 'page-2'],
    ]);
    expect(requestsBeforePage).toEqual([1, 2]);
  });

  it('asks for 1000 instances a page and follows NextToken', async () => {
    const inst = (id: string) => ({
      InstanceId: id,
      InstanceType: 't3.micro',
      State: { Name: 'running' as const },
    });
    const listing = pagesOf<DescribeInstancesCommandInput, DescribeInstancesCommandOutput>([
      { Reservations: [{ Instances: [inst('i-1')] }], NextToken: 'n2', $metadata: {} },
      { Reservations: [{ Instances: [inst('i-2')] }], NextToken: 'n3', $metadata: {} },
      { Reservations: [{ Instances: [inst('i-3')] }], $metadata: {} },
    ]);
    ec2.on(DescribeInstancesCommand).callsFake(listing.fake);

    const findings = await unauthorizedInstances.scan(scanContext(t.db, account));

    expect(listing.inputs.map((i) => [i.MaxResults, i.NextToken])).toEqual([
      [1000, undefined],
      [1000, 'n2'],
      [1000, 'n3'],
    ]);
    expect(findings.map((f) => f.resourceId)).toEqual(['i-1', 'i-2', 'i-3']);
  });

  it('asks for 1000 snapshots a page and follows NextToken', async () => {
    const snap = (id: string) => ({
      SnapshotId: id,
      State: 'completed' as const,
      StartTime: daysAgo(400),
      VolumeSize: 8,
    });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
    const listing = pagesOf<DescribeSnapshotsCommandInput, DescribeSnapshotsCommandOutput>([
      { Snapshots: [snap('snap-1')], NextToken: 's2', $metadata: {} },
      { Snapshots: [snap('snap-2')], $metadata: {} },
    ]);
    ec2.on(DescribeSnapshotsCommand).callsFake(listing.fake);

    const findings = await oldEbsSnapshots.scan(scanContext(t.db, account));

    expect(listing.inputs.map((i) => [i.MaxResults, i.NextToken, i.OwnerIds])).toEqual([
      [1000, undefined, ['self']],
      [1000, 's2', ['self']],
    ]);
    expect(findings.map((f) => f.resourceId)).toEqual(['snap-1', 'snap-2']);
  });

  it('stops at a failed page with what was attempted, after yielding the pages before it', async () => {
    const inst = (id: string) => ({
      InstanceId: id,
      InstanceType: 't3.micro',
      State: { Name: 'running' as const },
    });
    const listing = pagesOf<DescribeInstancesCommandInput, DescribeInstancesCommandOutput>([
      { Reservations: [{ Instances: [inst('i-1')] }], NextToken: 'n2', $metadata: {} },
      Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }),
    ]);
    ec2.on(DescribeInstancesCommand).callsFake(listing.fake);

    const pages: string[][] = [];
    const run = async () => {
      for await (const page of unauthorizedInstances.pages(scanContext(t.db, account))) {
        pages.push(page.map((f) => f.resourceId));
      }
    };
    await expect(run()).rejects.toThrow('describing instances in us-east-1');
    expect(pages).toEqual([['i-1']]);
  });
});
