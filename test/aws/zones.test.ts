import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { azIdOf, isAzId, zoneNames } from '../../src/aws/zones.js';
import { toPricePoint } from '../../src/pricing/spot.js';

const ec2 = mockClient(EC2Client);
ec2.on(DescribeAvailabilityZonesCommand).resolves({
  AvailabilityZones: [
    { ZoneName: 'us-east-1a', ZoneId: 'use1-az4' },
    { ZoneName: 'us-east-1b', ZoneId: 'use1-az6' },
  ],
});

describe('availability zones', () => {
  it('map this account’s zone names to the AZ IDs shared by every account, asking once', async () => {
    const client = new EC2Client({ region: 'us-east-1' });
    expect(await azIdOf(client, 'us-east-1a')).toBe('use1-az4');
    expect(await azIdOf(client, 'us-east-1b')).toBe('use1-az6');
    expect((await zoneNames(client)).get('use1-az6')).toBe('us-east-1b');
    expect(ec2.commandCalls(DescribeAvailabilityZonesCommand)).toHaveLength(1);
  });

  it('key Spot prices by AZ ID, from the row or from the account map', () => {
    const row = {
      AvailabilityZone: 'us-east-1b',
      InstanceType: 'm5.large',
      ProductDescription: 'Linux/UNIX',
      SpotPrice: '0.04',
      Timestamp: new Date('2026-11-24T00:00:00Z'),
    } as const;
    expect(toPricePoint('us-east-1', { ...row, AvailabilityZoneId: 'use1-az6' })!.availabilityZone).toBe(
      'use1-az6',
    );
    expect(toPricePoint('us-east-1', row, new Map([['us-east-1b', 'use1-az6']]))!.availabilityZone).toBe(
      'use1-az6',
    );
  });

  it('tell AZ IDs from names', () => {
    expect(isAzId('use1-az1')).toBe(true);
    expect(isAzId('usw2-lax1-az1')).toBe(true);
    expect(isAzId('us-east-1a')).toBe(false);
  });
});
