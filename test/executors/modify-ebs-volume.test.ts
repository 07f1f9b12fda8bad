import {
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gp3Settings, modifyEbsVolume } from '../../src/executors/modify-ebs-volume.js';
import { allowDryRun, denyDryRun, liveMutations, makeContext } from './context.js';

const ec2 = mockClient(EC2Client);
const params = modifyEbsVolume.params.parse({ volumeId: 'vol-1' });
const gp2 = (over: Partial<Volume> = {}): Volume => ({
  VolumeId: 'vol-1',
  VolumeType: 'gp2',
  Size: 500,
  Iops: 1500,
  State: 'in-use',
  AvailabilityZone: 'us-east-1a',
  ...over,
});

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [gp2()] });
  ec2.on(DescribeVolumesModificationsCommand).resolves({ VolumesModifications: [] });
  allowDryRun(ec2, ModifyVolumeCommand);
  ec2.on(ModifyVolumeCommand, { DryRun: false }).resolves({
    VolumeModification: { VolumeId: 'vol-1', ModificationState: 'modifying', TargetVolumeType: 'gp3' },
  });
});
afterEach(() => ec2.reset());

describe('modify-ebs-volume', () => {
  it('keeps gp2 performance: at least 3000 IOPS, its 3 IOPS/GiB above that, 250 MiB/s over 170 GiB', () => {
    expect(gp3Settings(gp2({ Size: 100, Iops: 300 }), params)).toEqual({ iops: 3000, throughput: 125 });
    expect(gp3Settings(gp2({ Size: 2000, Iops: 6000 }), params)).toEqual({ iops: 6000, throughput: 250 });
    expect(gp3Settings(gp2(), { volumeId: 'vol-1', iops: 4000, throughput: 300 })).toEqual({
      iops: 4000,
      throughput: 300,
    });
  });

  it('validates a gp2 volume with a DryRun of the modification', async () => {
    expect(await modifyEbsVolume.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('calls a volume that is already gp3 stale', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [gp2({ VolumeType: 'gp3' })] });
    expect(await modifyEbsVolume.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'vol-1 is now gp3, not gp2',
    });
  });

  it('refuses while another modification is in progress', async () => {
    ec2.on(DescribeVolumesModificationsCommand).resolves({
      VolumesModifications: [{ VolumeId: 'vol-1', ModificationState: 'optimizing', StartTime: new Date() }],
    });
    expect(await modifyEbsVolume.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'vol-1 is already being modified (optimizing)',
    });
  });

  it('names ec2:ModifyVolume when the DryRun is unauthorized', async () => {
    denyDryRun(ec2, ModifyVolumeCommand);
    expect(await modifyEbsVolume.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:ModifyVolume',
    });
  });

  it('sends only a DryRun in dry-run mode', async () => {
    const result = await modifyEbsVolume.execute(makeContext({ dryRun: true }), params);
    expect(result.summary).toBe('Would have changed vol-1 from gp2 to gp3 (3000 IOPS, 250 MiB/s) (dry run)');
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('modifies to gp3 live and verifies through the modification record', async () => {
    const ctx = makeContext();
    await modifyEbsVolume.execute(ctx, params);
    expect(liveMutations(ec2)).toEqual([
      {
        name: 'ModifyVolume',
        input: { VolumeId: 'vol-1', VolumeType: 'gp3', Iops: 3000, Throughput: 250, DryRun: false },
      },
    ]);
    ec2.on(DescribeVolumesModificationsCommand).resolves({
      VolumesModifications: [{ VolumeId: 'vol-1', ModificationState: 'optimizing', TargetVolumeType: 'gp3' }],
    });
    expect(await modifyEbsVolume.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('has no rollback and says why', () => {
    expect(modifyEbsVolume.rollback).toBeUndefined();
    expect(modifyEbsVolume.rollbackNote).toMatch(/6 hours/);
  });
});
