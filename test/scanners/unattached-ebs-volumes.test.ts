import { DescribeVolumesCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Account, resourceSightings } from '../../src/db/schema.js';
import { unattachedEbsVolumes } from '../../src/scanners/unattached-ebs-volumes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, insertAccount, NOW, scanContext, testConfig } from './helpers.js';

const ec2 = mockClient(EC2Client);

const volume = (id: string, created: Date, extra: Partial<Volume> = {}): Volume => ({
  VolumeId: id,
  Size: 100,
  VolumeType: 'gp2',
  Iops: 300,
  AvailabilityZone: 'us-east-1a',
  State: 'available',
  CreateTime: created,
  Encrypted: false,
  SnapshotId: '',
  MultiAttachEnabled: false,
  Attachments: [],
  ...extra,
});

describe('unattached-ebs-volumes', () => {
  let t: TestDatabase;
  let account: Account;

  const seen = (resourceId: string, firstSeenAt: Date) =>
    t.db.insert(resourceSightings).values({
      accountId: account.id,
      region: 'us-east-1',
      resourceId,
      condition: 'unattached',
      firstSeenAt,
      lastSeenAt: daysAgo(1),
    });
  const sightings = async () =>
    new Map(
      (
        await t.db
          .select()
          .from(resourceSightings)
          .where(
            and(eq(resourceSightings.accountId, account.id), eq(resourceSightings.condition, 'unattached')),
          )
      ).map((r) => [r.resourceId, r]),
    );

  beforeEach(async () => {
    ec2.reset();
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  });
  afterEach(() => t.destroy());

  it('reports volumes unattached longer than the threshold, across pages', async () => {
    await seen('vol-08days', daysAgo(8));
    await seen('vol-06days', daysAgo(6));
    await seen('vol-oldseen2', daysAgo(2));
    await seen('vol-createlater', daysAgo(20));
    await seen('vol-nowattached', daysAgo(30));
    ec2
      .on(DescribeVolumesCommand)
      .resolves({
        NextToken: 'page-2',
        Volumes: [
          volume('vol-08days', daysAgo(30)),
          volume('vol-06days', daysAgo(30)),
          // attached volumes are never unattached, whatever the filter returned
          volume('vol-inuse', daysAgo(90), {
            State: 'in-use',
            Attachments: [
              {
                VolumeId: 'vol-inuse',
                InstanceId: 'i-0abc',
                Device: '/dev/xvda',
                State: 'attached',
                AttachTime: daysAgo(90),
                DeleteOnTermination: true,
              },
            ],
          }),
        ],
      })
      .on(DescribeVolumesCommand, { NextToken: 'page-2' })
      .resolves({
        Volumes: [
          volume('vol-oldseen2', daysAgo(400)),
          volume('vol-brandnew', daysAgo(90)),
          volume('vol-createlater', daysAgo(9), {
            VolumeType: 'gp3',
            Size: 500,
            Iops: 3000,
            Throughput: 125,
          }),
        ],
      });

    const findings = await unattachedEbsVolumes.scan(scanContext(t.db, account));

    const calls = ec2.commandCalls(DescribeVolumesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({ Filters: [{ Name: 'status', Values: ['available'] }] });
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');

    expect(findings.map((f) => f.resourceId).sort()).toEqual(['vol-08days', 'vol-createlater']);
    const byId = new Map(findings.map((f) => [f.resourceId, f]));
    expect(byId.get('vol-08days')).toMatchObject({
      scanner: 'unattached-ebs-volumes',
      monthlySavingsUsd: 10,
      proposal: { executor: 'delete-ebs-volume', params: { volumeId: 'vol-08days' } },
      evidence: {
        unattachedSince: daysAgo(8).toISOString(),
        unattachedSinceSource: 'first-seen-by-spotops',
        unattachedDays: 8,
        volumeType: 'gp2',
        sizeGiB: 100,
        createTime: daysAgo(30).toISOString(),
      },
    });
    expect(byId.get('vol-08days')?.title).toBe('EBS volume vol-08days (100 GiB gp2) unattached for 8 days');
    // The sighting (20 days) predates the volume (9 days): the later time, CreateTime, counts.
    expect(byId.get('vol-createlater')).toMatchObject({
      monthlySavingsUsd: 40,
      evidence: {
        unattachedSince: daysAgo(9).toISOString(),
        unattachedSinceSource: 'create-time',
        unattachedDays: 9,
      },
    });

    const after = await sightings();
    // first_seen_at kept for known volumes, recorded now for a new one, and forgotten for a volume
    // no longer unattached (so a later detach starts a fresh clock).
    expect(after.get('vol-08days')?.firstSeenAt).toEqual(daysAgo(8));
    expect(after.get('vol-08days')?.lastSeenAt).toEqual(new Date(NOW));
    expect(after.get('vol-brandnew')?.firstSeenAt).toEqual(new Date(NOW));
    expect(after.has('vol-inuse')).toBe(false);
    expect(after.has('vol-nowattached')).toBe(false);
  });

  it('reports a volume first seen today once the threshold has passed', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume('vol-0a', daysAgo(365))] });
    const ctx = scanContext(t.db, account);
    expect(await unattachedEbsVolumes.scan(ctx)).toEqual([]);
    ctx.clock.advance(7 * 86_400_000);
    expect(await unattachedEbsVolumes.scan(ctx)).toEqual([]); // exactly 7 days: not more than 7
    ctx.clock.advance(3_600_000);
    const [f] = await unattachedEbsVolumes.scan(ctx);
    expect(f?.evidence).toMatchObject({
      unattachedSince: new Date(NOW).toISOString(),
      unattachedSinceSource: 'first-seen-by-spotops',
    });
  });

  it('follows EBS_UNATTACHED_DAYS and prices in the scanned region', async () => {
    await t.db.insert(resourceSightings).values({
      accountId: account.id,
      region: 'eu-central-1',
      resourceId: 'vol-0eu',
      condition: 'unattached',
      firstSeenAt: daysAgo(4),
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume('vol-0eu', daysAgo(60))] });
    const findings = await unattachedEbsVolumes.scan(
      scanContext(t.db, account, {
        region: 'eu-central-1',
        config: testConfig({ EBS_UNATTACHED_DAYS: '3' }),
      }),
    );
    expect(findings.map((f) => [f.resourceId, f.region, f.monthlySavingsUsd])).toEqual([
      ['vol-0eu', 'eu-central-1', 11.9],
    ]);
  });
});
