// Scanner: the account's own EBS snapshots older than SNAPSHOT_MIN_AGE_DAYS that nothing uses:
// no own AMI (including disabled and deprecated ones) and no launch template version (any
// version: an Auto Scaling group may pin an old one) names them in a block device mapping.
// Snapshots whose retention another system owns (Data Lifecycle Manager, AWS Backup) are left
// to that system.
import type { EC2Client, Snapshot } from '@aws-sdk/client-ec2';
import { collect, PAGE_SIZE, pageItems, tagMap } from '../aws/paginate.js';
import { ec2Sdk } from '../aws/sdk.js';
import { DAY } from '../lib/clock.js';
import { mapLimit } from '../lib/retry.js';
import { SNAPSHOT_STANDARD_GB_MONTH, snapshotMonthlyUsd } from '../pricing/storage.js';
import { defineScanner, type Finding, type ScanContext } from './types.js';

/** Tag keys (prefixes) of snapshots kept by a lifecycle policy or a backup plan. */
const MANAGED_TAG_PREFIXES = ['aws:dlm:', 'dlm:managed', 'aws:backup:'];

const lifecycleManaged = (tags: Record<string, string>): boolean =>
  Object.keys(tags).some((k) => MANAGED_TAG_PREFIXES.some((p) => k.startsWith(p)));

/** Launch templates described at once; keeps a big account under the EC2 API rate limit. */
const TEMPLATE_CONCURRENCY = 3;

export const oldEbsSnapshots = defineScanner({
  kind: 'old-ebs-snapshots',
  permissions: [
    'ec2:DescribeSnapshots',
    'ec2:DescribeImages',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
  ],
  async *pages(ctx: ScanContext): AsyncGenerator<Finding[]> {
    const client = ctx.aws.ec2(ctx.region);
    // What uses a snapshot is small (AMIs, templates) and needed whole before judging any page.
    const refs = await snapshotReferences(client, ctx.region);
    const listing = pageItems(
      ec2Sdk.paginateDescribeSnapshots(
        { client, pageSize: PAGE_SIZE.DescribeSnapshots },
        { OwnerIds: ['self'] },
      ),
      (p) => p.Snapshots,
      `describing own EBS snapshots in ${ctx.region}`,
    );
    const now = ctx.clock.now();
    for await (const snapshots of listing) yield findingsOf(ctx, snapshots, refs, now);
  },
});

function findingsOf(
  ctx: ScanContext,
  snapshots: readonly Snapshot[],
  { usedBy, imageCount, templateCount }: Awaited<ReturnType<typeof snapshotReferences>>,
  now: Date,
): Finding[] {
  const { account, region, config } = ctx;
  const findings: Finding[] = [];
  for (const s of snapshots) {
    if (!s.SnapshotId || !s.StartTime || s.State !== 'completed') continue;
    const ageDays = (now.getTime() - s.StartTime.getTime()) / DAY;
    if (ageDays <= config.SNAPSHOT_MIN_AGE_DAYS || usedBy.has(s.SnapshotId)) continue;
    const tags = tagMap(s.Tags);
    if (lifecycleManaged(tags)) continue;

    const sizeGiB = s.VolumeSize ?? 0;
    const tier = s.StorageTier ?? 'standard';
    // Price the snapshot's own written blocks when EC2 reports them; the volume size is only
    // an upper bound (and is labelled so).
    const ownGiB =
      s.FullSnapshotSizeInBytes !== undefined && s.FullSnapshotSizeInBytes >= 0
        ? Math.round((s.FullSnapshotSizeInBytes / 1024 ** 3) * 100) / 100
        : undefined;
    const billedGiB = ownGiB ?? sizeGiB;
    const monthly = snapshotMonthlyUsd(region, billedGiB, tier);
    const rate = tier === 'archive' ? 'archive-tier' : 'standard-tier';
    const rateText = `${tier === 'archive' ? '' : ` ($${SNAPSHOT_STANDARD_GB_MONTH[region] ?? SNAPSHOT_STANDARD_GB_MONTH.default}/GB-month)`}`;
    findings.push({
      scanner: 'old-ebs-snapshots',
      accountId: account.id,
      region,
      resourceId: s.SnapshotId,
      title: `EBS snapshot ${s.SnapshotId} (${sizeGiB} GiB) is ${Math.floor(ageDays)} days old and used by no AMI or launch template`,
      evidence: {
        snapshotId: s.SnapshotId,
        name: tags.Name ?? null,
        description: s.Description ?? null,
        sourceVolumeId: s.VolumeId ?? null,
        volumeSizeGiB: sizeGiB,
        storageTier: tier,
        encrypted: s.Encrypted ?? false,
        startTime: s.StartTime.toISOString(),
        ageDays: Math.floor(ageDays),
        thresholdDays: config.SNAPSHOT_MIN_AGE_DAYS,
        checkedImages: imageCount,
        checkedLaunchTemplates: templateCount,
        tags,
        snapshotSizeGiB: ownGiB ?? null,
        pricing:
          ownGiB !== undefined
            ? `snapshot size ${ownGiB} GiB (FullSnapshotSizeInBytes) x ${rate} list price${rateText}`
            : `upper bound: full volume size ${sizeGiB} GiB x ${rate} list price${rateText}; ` +
              'snapshots are incremental, so the real saving is usually less',
        savingsIsUpperBound: ownGiB === undefined,
      },
      monthlySavingsUsd: monthly,
      riskLevel: 'MEDIUM', // deleting a snapshot cannot be undone
      proposal: { executor: 'delete-ebs-snapshot', params: { snapshotId: s.SnapshotId } },
    });
  }
  return findings;
}

/** Snapshot ids used by own AMIs (any state) or by any version of any launch template. */
async function snapshotReferences(
  client: EC2Client,
  region: string,
): Promise<{ usedBy: Set<string>; imageCount: number; templateCount: number }> {
  const usedBy = new Set<string>();
  const note = (snapshotId: string | undefined) => {
    if (snapshotId) usedBy.add(snapshotId);
  };

  const images = await collect(
    ec2Sdk.paginateDescribeImages(
      { client },
      { Owners: ['self'], IncludeDeprecated: true, IncludeDisabled: true },
    ),
    (p) => p.Images,
  ).catch((cause: unknown) => {
    throw new Error(`describing own AMIs in ${region}`, { cause });
  });
  for (const image of images) {
    for (const m of image.BlockDeviceMappings ?? []) note(m.Ebs?.SnapshotId);
  }

  const templates = await collect(
    ec2Sdk.paginateDescribeLaunchTemplates({ client }, {}),
    (p) => p.LaunchTemplates,
  ).catch((cause: unknown) => {
    throw new Error(`describing launch templates in ${region}`, { cause });
  });
  await mapLimit(templates, TEMPLATE_CONCURRENCY, async (t) => {
    if (!t.LaunchTemplateId) return;
    const versions = await collect(
      ec2Sdk.paginateDescribeLaunchTemplateVersions({ client }, { LaunchTemplateId: t.LaunchTemplateId }),
      (p) => p.LaunchTemplateVersions,
    ).catch((cause: unknown) => {
      throw new Error(`describing versions of launch template ${t.LaunchTemplateId} in ${region}`, { cause });
    });
    for (const v of versions) {
      for (const m of v.LaunchTemplateData?.BlockDeviceMappings ?? []) {
        note(m.Ebs?.SnapshotId);
      }
    }
  });
  return { usedBy, imageCount: images.length, templateCount: templates.length };
}
