import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/db/schema.js';
import { unassociatedElasticIps } from '../../src/scanners/unassociated-elastic-ips.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertAccount, scanContext } from './helpers.js';

const ec2 = mockClient(EC2Client);

const addresses = [
  {
    // idle: the positive
    AllocationId: 'eipalloc-0idle',
    PublicIp: '3.80.1.10',
    Domain: 'vpc' as const,
    NetworkBorderGroup: 'us-east-1',
    PublicIpv4Pool: 'amazon',
    Tags: [{ Key: 'Name', Value: 'old-bastion' }],
  },
  {
    // associated to an instance
    AllocationId: 'eipalloc-0inst',
    AssociationId: 'eipassoc-0inst',
    InstanceId: 'i-0aaa',
    NetworkInterfaceId: 'eni-0aaa',
    NetworkInterfaceOwnerId: '123456789012',
    PrivateIpAddress: '10.0.1.5',
    PublicIp: '3.80.1.11',
    Domain: 'vpc' as const,
  },
  {
    // near-miss: associated to a network interface only (no instance), e.g. a NAT or a bare ENI
    AllocationId: 'eipalloc-0eni',
    AssociationId: 'eipassoc-0eni',
    NetworkInterfaceId: 'eni-0bbb',
    NetworkInterfaceOwnerId: '123456789012',
    PrivateIpAddress: '10.0.2.9',
    PublicIp: '3.80.1.12',
    Domain: 'vpc' as const,
  },
  {
    // unassociated but owned by a load balancer: not ours to release
    AllocationId: 'eipalloc-0alb',
    PublicIp: '3.80.1.13',
    Domain: 'vpc' as const,
    ServiceManaged: 'alb' as const,
  },
];

describe('unassociated-elastic-ips', () => {
  let t: TestDatabase;
  let account: Account;
  beforeEach(async () => {
    ec2.reset();
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  });
  afterEach(() => t.destroy());

  it('finds only the address associated with nothing', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });
    const findings = await unassociatedElasticIps.scan(scanContext(t.db, account));
    expect(findings.map((f) => f.resourceId)).toEqual(['eipalloc-0idle']);
    const [f] = findings;
    expect(f).toMatchObject({
      scanner: 'unassociated-elastic-ips',
      accountId: account.id,
      region: 'us-east-1',
      monthlySavingsUsd: 3.65,
      proposal: {
        executor: 'release-elastic-ip',
        params: { allocationId: 'eipalloc-0idle', publicIp: '3.80.1.10' },
      },
      evidence: { publicIp: '3.80.1.10', name: 'old-bastion' },
    });
    expect(f?.title).toContain('3.80.1.10');
  });

  it('finds nothing in a region without addresses', async () => {
    ec2.on(DescribeAddressesCommand).resolves({});
    await expect(unassociatedElasticIps.scan(scanContext(t.db, account))).resolves.toEqual([]);
  });

  it('says what it was doing when AWS refuses', async () => {
    ec2
      .on(DescribeAddressesCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    await expect(unassociatedElasticIps.scan(scanContext(t.db, account))).rejects.toThrow(
      'describing Elastic IPs in us-east-1',
    );
  });
});
