import { describe, expect, it } from 'vitest';
import { ebsVolumeMonthlyUsd, elasticIpMonthlyUsd, snapshotMonthlyUsd } from '../../src/pricing/storage.js';

describe('storage pricing', () => {
  it('prices 100 GiB of gp2 in us-east-1 at $10.00 a month', () => {
    const e = ebsVolumeMonthlyUsd('us-east-1', { volumeType: 'gp2', sizeGiB: 100, iops: 300 });
    expect(e).toMatchObject({ monthlyUsd: 10, storageUsd: 10, iopsUsd: 0, priced: true });
    expect(e.basis).toBe('100 GiB gp2 x $0.100/GB-month');
  });

  it('charges gp3 IOPS and throughput only above the free baseline', () => {
    expect(
      ebsVolumeMonthlyUsd('us-east-1', { volumeType: 'gp3', sizeGiB: 100, iops: 3000, throughputMiBps: 125 })
        .monthlyUsd,
    ).toBe(8);
    // 100 x 0.08 + (6000 - 3000) x 0.005 + (250 - 125) x 0.04 = 8 + 15 + 5
    const e = ebsVolumeMonthlyUsd('us-east-1', {
      volumeType: 'gp3',
      sizeGiB: 100,
      iops: 6000,
      throughputMiBps: 250,
    });
    expect(e).toMatchObject({ monthlyUsd: 28, storageUsd: 8, iopsUsd: 15, throughputUsd: 5 });
  });

  it('prices io2 IOPS in tiers and io1 IOPS flat', () => {
    // 32000 x 0.065 + 18000 x 0.0455 = 2080 + 819, plus 500 GiB x 0.125
    expect(
      ebsVolumeMonthlyUsd('us-east-1', { volumeType: 'io2', sizeGiB: 500, iops: 50_000 }).monthlyUsd,
    ).toBe(2961.5);
    expect(ebsVolumeMonthlyUsd('us-east-1', { volumeType: 'io1', sizeGiB: 100, iops: 1000 }).monthlyUsd).toBe(
      77.5,
    );
  });

  it('applies the regional multiplier and falls back to us-east-1 prices', () => {
    expect(ebsVolumeMonthlyUsd('eu-central-1', { volumeType: 'gp2', sizeGiB: 100 }).monthlyUsd).toBe(11.9);
    expect(ebsVolumeMonthlyUsd('me-central-1', { volumeType: 'st1', sizeGiB: 1000 }).monthlyUsd).toBe(45);
  });

  it('estimates nothing for a volume type it has no price for', () => {
    const e = ebsVolumeMonthlyUsd('us-east-1', { volumeType: 'gp9', sizeGiB: 100 });
    expect(e).toMatchObject({ monthlyUsd: 0, priced: false });
  });

  it('prices an idle Elastic IP at $3.65 a month (730 h, the compute month) in any region', () => {
    expect(elasticIpMonthlyUsd('us-east-1')).toBe(3.65);
    expect(elasticIpMonthlyUsd('ap-southeast-2')).toBe(3.65);
  });

  it('prices snapshots by full size at the standard or archive tier rate', () => {
    expect(snapshotMonthlyUsd('us-east-1', 100)).toBe(5);
    expect(snapshotMonthlyUsd('sa-east-1', 100)).toBe(6.8);
    expect(snapshotMonthlyUsd('us-east-1', 100, 'archive')).toBe(1.25);
  });
});
