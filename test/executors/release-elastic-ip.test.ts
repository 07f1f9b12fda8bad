import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseElasticIp } from '../../src/executors/release-elastic-ip.js';
import { allowDryRun, awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';

const ec2 = mockClient(EC2Client);
const params = releaseElasticIp.params.parse({ allocationId: 'eipalloc-1', publicIp: '52.1.2.3' });
const unattached = {
  AllocationId: 'eipalloc-1',
  PublicIp: '52.1.2.3',
  Domain: 'vpc' as const,
  PublicIpv4Pool: 'amazon',
  NetworkBorderGroup: 'us-east-1',
};

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [unattached] });
  allowDryRun(ec2, ReleaseAddressCommand);
  ec2.on(ReleaseAddressCommand, { DryRun: false }).resolves({});
});
afterEach(() => ec2.reset());

describe('release-elastic-ip', () => {
  it('describes itself in one line and is low risk even in production', () => {
    expect(releaseElasticIp.describe(params)).toBe('Release Elastic IP 52.1.2.3 (eipalloc-1)');
    expect(releaseElasticIp.risk(params, { environment: 'PROD' })).toBe('LOW');
  });

  it('validates an unattached address with a DryRun of the release', async () => {
    const verdict = await releaseElasticIp.validate(makeContext(), params);
    expect(verdict).toEqual({ ok: true });
    expect(sent(ec2).map((c) => [c.name, c.input.DryRun])).toEqual([
      ['DescribeAddresses', undefined],
      ['ReleaseAddress', true],
    ]);
  });

  it('refuses an address that got associated since the card', async () => {
    ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [
        { ...unattached, AssociationId: 'eipassoc-9', InstanceId: 'i-0abc', NetworkInterfaceId: 'eni-1' },
      ],
    });
    const verdict = await releaseElasticIp.validate(makeContext(), params);
    expect(verdict).toEqual({ ok: false, stale: true, reason: 'eipalloc-1 is now associated with i-0abc' });
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('calls an address that no longer exists stale', async () => {
    ec2
      .on(DescribeAddressesCommand)
      .rejects(awsError('InvalidAllocationID.NotFound', "The allocation ID 'eipalloc-1' does not exist"));
    const verdict = await releaseElasticIp.validate(makeContext(), params);
    expect(verdict).toMatchObject({ ok: false, stale: true, reason: 'eipalloc-1 no longer exists' });
  });

  it('names the missing permission when the DryRun is unauthorized, without calling it stale', async () => {
    denyDryRun(ec2, ReleaseAddressCommand);
    const verdict = await releaseElasticIp.validate(makeContext(), params);
    expect(verdict).toEqual({ ok: false, reason: 'the role lacks ec2:ReleaseAddress' });
  });

  it('names the read permission when the describe itself is refused', async () => {
    ec2.on(DescribeAddressesCommand).rejects(awsError('UnauthorizedOperation', 'not authorized'));
    const verdict = await releaseElasticIp.validate(makeContext(), params);
    expect(verdict).toEqual({ ok: false, reason: 'the role lacks ec2:DescribeAddresses' });
  });

  it('sends only a DryRun in dry-run mode and says what it would have done', async () => {
    const result = await releaseElasticIp.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({ summary: 'Would have released 52.1.2.3 (eipalloc-1) (dry run)' });
    expect(liveMutations(ec2)).toEqual([]);
    expect(sent(ec2).filter((c) => c.name === 'ReleaseAddress')).toHaveLength(1);
  });

  it('releases the address live, DryRun first', async () => {
    const result = await releaseElasticIp.execute(makeContext(), params);
    expect(result.summary).toBe('Released 52.1.2.3 (eipalloc-1)');
    expect(sent(ec2).map((c) => [c.name, c.input])).toEqual([
      ['ReleaseAddress', { AllocationId: 'eipalloc-1', DryRun: true }],
      ['ReleaseAddress', { AllocationId: 'eipalloc-1', DryRun: false }],
    ]);
  });

  it('fails live with the missing permission named', async () => {
    denyDryRun(ec2, ReleaseAddressCommand);
    await expect(releaseElasticIp.execute(makeContext(), params)).rejects.toThrow(
      'the role lacks ec2:ReleaseAddress',
    );
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('verifies that the address is gone', async () => {
    const ctx = makeContext();
    expect(await releaseElasticIp.verify?.(ctx, params)).toMatchObject({ ok: false });
    ec2.on(DescribeAddressesCommand).rejects(awsError('InvalidAllocationID.NotFound', 'gone'));
    expect(await releaseElasticIp.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('has no rollback and says why', () => {
    expect(releaseElasticIp.rollback).toBeUndefined();
    expect(releaseElasticIp.rollbackNote).toMatch(/another AWS account/);
  });
});
