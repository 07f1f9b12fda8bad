import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/db/schema.js';
import { oldEbsSnapshots } from '../../src/scanners/old-ebs-snapshots.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, insertAccount, scanContext, testConfig } from './helpers.js';

const ec2 = mockClient(EC2Client);

const snapshot = (id: string, ageDays: number, extra: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotId: id,
  VolumeId: 'vol-0src',
  VolumeSize: 100,
  State: 'completed',
  Progress: '100%',
  StartTime: daysAgo(ageDays),
  OwnerId: '123456789012',
  Description: '',
  Encrypted: false,
  StorageTier: 'standard',
  ...extra,
});

const ebsMapping = (snapshotId: string) => ({
  DeviceName: '/dev/xvda',
  Ebs: { SnapshotId: snapshotId, VolumeSize: 100, VolumeType: 'gp3' as const, DeleteOnTermination: true },
});

describe('old-ebs-snapshots', () => {
  let t: TestDatabase;
  let account: Account;
  beforeEach(async () => {
    ec2.reset();
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  });
  afterEach(() => t.destroy());

  function mockAccount() {
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({
        NextToken: 'snap-page-2',
        Snapshots: [
          snapshot('snap-0orphan', 45),
          snapshot('snap-0disabledami', 200),
          snapshot('snap-029days', 29),
        ],
      })
      .on(DescribeSnapshotsCommand, { NextToken: 'snap-page-2' })
      .resolves({
        Snapshots: [
          snapshot('snap-0launchtemplate', 90),
          snapshot('snap-0pending', 60, { State: 'pending', Progress: '40%' }),
          snapshot('snap-0archived', 400, { StorageTier: 'archive', VolumeSize: 200 }),
          // retention owned by a Data Lifecycle Manager policy / an AWS Backup plan
          snapshot('snap-0dlm', 100, {
            Tags: [
              { Key: 'dlm:managed', Value: 'true' },
              { Key: 'aws:dlm:lifecycle-policy-id', Value: 'policy-0abc' },
            ],
          }),
          snapshot('snap-0backup', 100, {
            Tags: [{ Key: 'aws:backup:source-resource', Value: 'vol-0src:abc' }],
          }),
        ],
      });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: 'ami-0disabled',
          State: 'disabled',
          OwnerId: '123456789012',
          DeprecationTime: '2025-01-01T00:00:00.000Z',
          BlockDeviceMappings: [
            ebsMapping('snap-0disabledami'),
            { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
          ],
        },
      ],
    });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [
        {
          LaunchTemplateId: 'lt-0web',
          LaunchTemplateName: 'web',
          LatestVersionNumber: 3,
          DefaultVersionNumber: 3,
        },
        { LaunchTemplateId: 'lt-0empty', LaunchTemplateName: 'empty', LatestVersionNumber: 1 },
      ],
    });
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-0web' })
      .resolves({
        NextToken: 'lt-page-2',
        LaunchTemplateVersions: [
          { LaunchTemplateId: 'lt-0web', VersionNumber: 3, LaunchTemplateData: { ImageId: 'ami-0new' } },
        ],
      })
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-0web', NextToken: 'lt-page-2' })
      .resolves({
        // an old version an Auto Scaling group may still pin
        LaunchTemplateVersions: [
          {
            LaunchTemplateId: 'lt-0web',
            VersionNumber: 1,
            LaunchTemplateData: { BlockDeviceMappings: [ebsMapping('snap-0launchtemplate')] },
          },
        ],
      })
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-0empty' })
      .resolves({ LaunchTemplateVersions: [{ LaunchTemplateId: 'lt-0empty', VersionNumber: 1 }] });
  }

  it('reports old completed snapshots that no AMI, launch template or lifecycle policy uses', async () => {
    mockAccount();
    const findings = await oldEbsSnapshots.scan(scanContext(t.db, account));

    expect(findings.map((f) => f.resourceId).sort()).toEqual(['snap-0archived', 'snap-0orphan']);
    const orphan = findings.find((f) => f.resourceId === 'snap-0orphan');
    expect(orphan).toMatchObject({
      scanner: 'old-ebs-snapshots',
      monthlySavingsUsd: 5,
      proposal: { executor: 'delete-ebs-snapshot', params: { snapshotId: 'snap-0orphan' } },
      evidence: { ageDays: 45, volumeSizeGiB: 100, storageTier: 'standard', savingsIsUpperBound: true },
    });
    expect(String(orphan?.evidence.pricing)).toContain('upper bound');
    expect(findings.find((f) => f.resourceId === 'snap-0archived')?.monthlySavingsUsd).toBe(2.5);
  });

  it("prices a snapshot from its own written size (FullSnapshotSizeInBytes), not the volume's, when EC2 reports it", async () => {
    // Before: a 100 GiB volume's snapshot holding 12 GiB of blocks was priced at 100 GiB ($5).
    mockAccount();
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [snapshot('snap-0small', 45, { FullSnapshotSizeInBytes: 12 * 1024 ** 3 })],
    });
    const [finding] = await oldEbsSnapshots.scan(scanContext(t.db, account));
    expect(finding).toMatchObject({
      resourceId: 'snap-0small',
      monthlySavingsUsd: 0.6,
      evidence: { snapshotSizeGiB: 12, volumeSizeGiB: 100, savingsIsUpperBound: false },
    });
    expect(String(finding?.evidence.pricing)).toContain('FullSnapshotSizeInBytes');
    expect(String(finding?.evidence.pricing)).not.toContain('upper bound');
  });

  it('asks for own snapshots and own AMIs including disabled and deprecated ones, every page', async () => {
    mockAccount();
    await oldEbsSnapshots.scan(scanContext(t.db, account));
    const snaps = ec2.commandCalls(DescribeSnapshotsCommand);
    // (the SDK paginator reuses one input object, so only the last call's token is visible)
    expect(snaps).toHaveLength(2);
    expect(snaps[1]!.args[0].input).toMatchObject({ OwnerIds: ['self'], NextToken: 'snap-page-2' });
    expect(ec2.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toMatchObject({
      Owners: ['self'],
      IncludeDeprecated: true,
      IncludeDisabled: true,
    });
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(3);
  });

  it('follows SNAPSHOT_MIN_AGE_DAYS', async () => {
    mockAccount();
    const findings = await oldEbsSnapshots.scan(
      scanContext(t.db, account, { config: testConfig({ SNAPSHOT_MIN_AGE_DAYS: '20' }) }),
    );
    expect(findings.map((f) => f.resourceId).sort()).toEqual([
      'snap-029days',
      'snap-0archived',
      'snap-0orphan',
    ]);
  });

  it('fails rather than report snapshots when it cannot see the launch templates', async () => {
    mockAccount();
    ec2
      .on(DescribeLaunchTemplatesCommand)
      .rejects(Object.assign(new Error('You are not authorized'), { name: 'UnauthorizedOperation' }));
    await expect(oldEbsSnapshots.scan(scanContext(t.db, account))).rejects.toThrow(
      'describing launch templates in us-east-1',
    );
  });
});
