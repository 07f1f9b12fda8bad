// Scanner: EBS volumes left `available` (attached to nothing) for more than EBS_UNATTACHED_DAYS.
// AWS records no "detached since", so a volume counts as unattached since the later of its
// CreateTime and the first scan that saw it unattached (resource_sightings): never longer than
// the bot can vouch for.
import type { Volume } from '@aws-sdk/client-ec2';
import { PAGE_SIZE, pageItems, tagMap } from '../aws/paginate.js';
import { ec2Sdk } from '../aws/sdk.js';
import { DAY } from '../lib/clock.js';
import { ebsVolumeMonthlyUsd } from '../pricing/storage.js';
import { sightingsRecorder } from './sightings.js';
import { defineScanner, type Finding, type ScanContext } from './types.js';

export const unattachedEbsVolumes = defineScanner({
  kind: 'unattached-ebs-volumes',
  permissions: ['ec2:DescribeVolumes'],
  async *pages(ctx: ScanContext): AsyncGenerator<Finding[]> {
    const { account, region } = ctx;
    const now = ctx.clock.now();
    const sightings = sightingsRecorder(
      ctx.db,
      { accountId: account.id, region, condition: 'unattached' },
      now,
    );
    const listing = pageItems(
      ec2Sdk.paginateDescribeVolumes(
        { client: ctx.aws.ec2(region), pageSize: PAGE_SIZE.DescribeVolumes },
        { Filters: [{ Name: 'status', Values: ['available'] }] },
      ),
      (page) => page.Volumes,
      `describing EBS volumes in ${region}`,
    );
    for await (const volumes of listing) {
      // Re-checked here: the filter is the server's job, but an attachment means in use, whatever.
      const unattached = volumes.filter(
        (v): v is typeof v & { VolumeId: string } =>
          !!v.VolumeId && v.State === 'available' && (v.Attachments ?? []).length === 0,
      );
      const firstSeen = await sightings.page(unattached.map((v) => v.VolumeId));
      yield findingsOf(ctx, unattached, firstSeen, now);
    }
    await sightings.complete();
  },
});

function findingsOf(
  ctx: ScanContext,
  unattached: readonly (Volume & { VolumeId: string })[],
  firstSeen: Map<string, Date>,
  now: Date,
): Finding[] {
  const { account, region, config } = ctx;
  const findings: Finding[] = [];
  for (const v of unattached) {
    const seen = firstSeen.get(v.VolumeId) ?? now;
    const created = v.CreateTime;
    const fromCreate = created !== undefined && created.getTime() >= seen.getTime();
    const since = fromCreate ? created : seen;
    const days = (now.getTime() - since.getTime()) / DAY;
    if (days <= config.EBS_UNATTACHED_DAYS) continue;

    const volumeType = v.VolumeType ?? 'standard';
    const sizeGiB = v.Size ?? 0;
    const estimate = ebsVolumeMonthlyUsd(region, {
      volumeType,
      sizeGiB,
      iops: v.Iops,
      throughputMiBps: v.Throughput,
    });
    const tags = tagMap(v.Tags);
    const wholeDays = Math.floor(days);
    findings.push({
      scanner: 'unattached-ebs-volumes',
      accountId: account.id,
      region,
      resourceId: v.VolumeId,
      title: `EBS volume ${v.VolumeId} (${sizeGiB} GiB ${volumeType}) unattached for ${wholeDays} days`,
      evidence: {
        volumeId: v.VolumeId,
        name: tags.Name ?? null,
        volumeType,
        sizeGiB,
        iops: v.Iops ?? null,
        throughputMiBps: v.Throughput ?? null,
        availabilityZone: v.AvailabilityZone ?? null,
        encrypted: v.Encrypted ?? false,
        sourceSnapshotId: v.SnapshotId || null,
        createTime: created?.toISOString() ?? null,
        firstSeenUnattachedAt: seen.toISOString(),
        unattachedSince: since.toISOString(),
        unattachedSinceSource: fromCreate ? 'create-time' : 'first-seen-by-spotops',
        unattachedDays: wholeDays,
        thresholdDays: config.EBS_UNATTACHED_DAYS,
        tags,
        pricing: estimate.priced
          ? `${estimate.basis} (${region} list price)`
          : `${estimate.basis}; saving not estimated`,
        storageUsd: estimate.storageUsd,
        iopsUsd: estimate.iopsUsd,
        throughputUsd: estimate.throughputUsd,
      },
      monthlySavingsUsd: estimate.monthlyUsd,
      riskLevel: 'MEDIUM', // data loss unless the executor snapshots first
      proposal: { executor: 'delete-ebs-volume', params: { volumeId: v.VolumeId } },
    });
  }
  return findings;
}
