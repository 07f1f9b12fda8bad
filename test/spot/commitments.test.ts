// Commitments reduce the Spot estimate: RI size flexibility (normalization factors) and Compute
// Savings Plans, with one line for the card.
import { DescribeReservedInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeSavingsPlansCommand, SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccountAccess } from '../../src/aws/clients.js';
import { silentLogger } from '../../src/lib/logger.js';
import { checkCommitments, commitmentAdjustment, normalizationFactor } from '../../src/spot/commitments.js';

const ec2 = mockClient(EC2Client);
const sp = mockClient(SavingsplansClient);
const aws = {
  ec2: () => new EC2Client({ region: 'us-east-1' }),
  savingsPlans: () => new SavingsplansClient({ region: 'us-east-1' }),
} as unknown as AccountAccess;

describe('commitments', () => {
  beforeEach(() => {
    ec2.reset();
    sp.reset();
    sp.on(DescribeSavingsPlansCommand).resolves({ savingsPlans: [] });
  });

  it('uses AWS normalization factors', () => {
    expect(normalizationFactor('m5.large')).toBe(4);
    expect(normalizationFactor('m5.xlarge')).toBe(8);
    expect(normalizationFactor('c6i.24xlarge')).toBe(192);
    expect(normalizationFactor('m5.metal')).toBeUndefined();
  });

  it('counts a regional m5.xlarge RI as two m5.large (size flexibility); before, only exact types matched', async () => {
    ec2.on(DescribeReservedInstancesCommand).resolves({
      ReservedInstances: [
        {
          ReservedInstancesId: 'ri-0xl',
          InstanceType: 'm5.xlarge',
          InstanceCount: 1,
          Scope: 'Region',
          ProductDescription: 'Linux/UNIX',
          InstanceTenancy: 'default',
        },
        // Another family, and a zonal RI in an AZ the capacity is not in: neither applies.
        { ReservedInstancesId: 'ri-0c5', InstanceType: 'c5.large', InstanceCount: 4, Scope: 'Region' },
        {
          ReservedInstancesId: 'ri-0zonal',
          InstanceType: 'm5.large',
          InstanceCount: 1,
          Scope: 'Availability Zone',
          AvailabilityZone: 'us-east-1f',
        },
      ],
    });
    const check = await checkCommitments(aws, 'us-east-1', 'm5.large', ['us-east-1a'], silentLogger);
    expect(check).toMatchObject({ reservedUnits: 8, reservedCount: 2 });
    expect(check.commitments.map((c) => c.id)).toEqual(['ri-0xl']);
    const adj = commitmentAdjustment(check, 3, 'm5.large', 0.096);
    expect(adj.movable).toBe(1);
    expect(adj.line).toBe(
      'Reserved Instances give 8 normalized units (size-flexible), enough for 2 × m5.large: 2 of 3 stay On-Demand.',
    );
  });

  it('lets a Compute Savings Plan reduce the estimate to the part its commitment cannot cover', async () => {
    ec2.on(DescribeReservedInstancesCommand).resolves({ ReservedInstances: [] });
    sp.on(DescribeSavingsPlansCommand).resolves({
      savingsPlans: [{ savingsPlanId: 'sp-compute', savingsPlanType: 'Compute', commitment: '0.0960' }],
    });
    const check = await checkCommitments(aws, 'us-east-1', 'm5.large', ['us-east-1a'], silentLogger);
    // 4 x m5.large On-Demand = $0.384/h; the plan's $0.096/h may pay a quarter of it.
    const adj = commitmentAdjustment(check, 4, 'm5.large', 0.096);
    expect(adj.computePlanShare).toBeCloseTo(0.25, 10);
    expect(adj.line).toMatch(
      /Compute Savings Plan commitment \$0\.10\/h may already pay for up to 25% of the rest/,
    );
  });

  it('has no line when nothing overlaps', async () => {
    ec2.on(DescribeReservedInstancesCommand).resolves({ ReservedInstances: [] });
    const check = await checkCommitments(aws, 'us-east-1', 'm5.large', ['us-east-1a'], silentLogger);
    expect(commitmentAdjustment(check, 2, 'm5.large', 0.096)).toEqual({
      movable: 2,
      computePlanShare: 0,
      line: null,
    });
  });
});
