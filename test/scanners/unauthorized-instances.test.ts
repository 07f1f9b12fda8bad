import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizingTags } from '../../src/config.js';
import { type Account, exemptions, instances, resourceSightings } from '../../src/db/schema.js';
import { ManualClock } from '../../src/lib/clock.js';
import { matchesTagRule, unauthorizedInstances } from '../../src/scanners/unauthorized-instances.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, insertAccount, NOW, scanContext, testConfig } from './helpers.js';

const ec2 = mockClient(EC2Client);
const HOUR = 3_600_000;

const instance = (
  id: string,
  tags: Record<string, string>,
  state: 'running' | 'stopped' = 'running',
): Instance => ({
  InstanceId: id,
  InstanceType: 't3.large',
  ImageId: 'ami-0abc',
  LaunchTime: daysAgo(3),
  Placement: { AvailabilityZone: 'us-east-1b', Tenancy: 'default' },
  State: { Code: state === 'running' ? 16 : 80, Name: state },
  PrivateIpAddress: '10.0.1.20',
  SubnetId: 'subnet-0abc',
  VpcId: 'vpc-0abc',
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

const reservation = (...instances: Instance[]) => ({
  ReservationId: `r-${instances[0]?.InstanceId}`,
  OwnerId: '123456789012',
  Instances: instances,
});

describe('unauthorized-instances', () => {
  let t: TestDatabase;
  let account: Account;
  beforeEach(async () => {
    ec2.reset();
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  });
  afterEach(() => t.destroy());

  function mockInstances() {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({
        NextToken: 'page-2',
        Reservations: [
          reservation(instance('i-0k8s', { 'kubernetes.io/cluster/x': 'owned', Name: 'node' })),
          reservation(
            instance('i-0managed', { ManagedBy: 'SpotOptimizer' }),
            instance('i-0someoneelse', {
              ManagedBy: 'someone-else',
              Owner: 'alice@example.com',
              Name: 'scratch',
            }),
          ),
          reservation(instance('i-0asg', { 'aws:autoscaling:groupName': 'web-asg' })),
        ],
      })
      .on(DescribeInstancesCommand, { NextToken: 'page-2' })
      .resolves({
        Reservations: [
          reservation(instance('i-0exempt', {})),
          reservation(instance('i-0expiredexempt', { 'aws:createdBy': 'IAMUser:AIDA:bob' })),
          reservation(instance('i-0stopped', {}, 'stopped')),
          reservation(instance('i-0eks', { 'eks:cluster-name': 'prod' })),
        ],
      });
  }

  it('keeps the inventory of running instances it saw, and forgets those it no longer sees', async () => {
    mockInstances();
    await unauthorizedInstances.scan(scanContext(t.db, account));
    const rows = await t.db.select().from(instances).where(eq(instances.accountId, account.id));
    const byId = Object.fromEntries(rows.map((r) => [r.instanceId, r]));
    expect(Object.keys(byId).sort()).toEqual(
      ['i-0asg', 'i-0eks', 'i-0exempt', 'i-0expiredexempt', 'i-0k8s', 'i-0managed', 'i-0someoneelse'].sort(),
    );
    expect(byId['i-0managed']).toMatchObject({
      authStatus: 'authorized',
      instanceType: 't3.large',
      availabilityZone: 'us-east-1b',
    });
    expect(byId['i-0someoneelse']!.authStatus).toBe('unauthorized');
    expect(byId['i-0asg']!.pipelineMode).toBe('asg');

    ec2.reset();
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [reservation(instance('i-0managed', { ManagedBy: 'SpotOptimizer' }))] });
    await unauthorizedInstances.scan(
      scanContext(t.db, account, { clock: new ManualClock(new Date(new Date(NOW).getTime() + HOUR)) }),
    );
    const after = await t.db.select().from(instances).where(eq(instances.accountId, account.id));
    expect(after.map((r) => r.instanceId)).toEqual(['i-0managed']);
  });

  it('finds running instances with no authorising tag, skipping exempted ones, across pages', async () => {
    mockInstances();
    await t.db.insert(exemptions).values([
      {
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'i-0exempt',
        reason: 'vendor appliance',
        createdBy: 'U0ADMIN',
        expiresAt: null,
      },
      {
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'i-0expiredexempt',
        reason: 'demo week',
        createdBy: 'U0ADMIN',
        expiresAt: daysAgo(1),
      },
    ]);
    await t.db.insert(resourceSightings).values({
      accountId: account.id,
      region: 'us-east-1',
      resourceId: 'i-0someoneelse',
      condition: 'unauthorized',
      firstSeenAt: new Date(new Date(NOW).getTime() - 3 * HOUR),
    });

    const findings = await unauthorizedInstances.scan(scanContext(t.db, account));

    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
    expect(ec2.commandCalls(DescribeInstancesCommand)[1]!.args[0].input).toMatchObject({
      Filters: [{ Name: 'instance-state-name', Values: ['running'] }],
      NextToken: 'page-2',
    });
    expect(findings.map((f) => f.resourceId).sort()).toEqual(['i-0expiredexempt', 'i-0someoneelse']);

    const someone = findings.find((f) => f.resourceId === 'i-0someoneelse')!;
    expect(someone).toMatchObject({
      scanner: 'unauthorized-instances',
      monthlySavingsUsd: 0,
      riskLevel: 'HIGH',
      // grace runs from the first sighting 3 hours ago
      dueAt: new Date(new Date(NOW).getTime() + 21 * HOUR),
      proposal: {
        executor: 'terminate-instance',
        params: { instanceId: 'i-0someoneelse', requireUnauthorized: true },
      },
      evidence: {
        launchedBy: 'alice@example.com',
        launchedByTag: 'Owner',
        instanceType: 't3.large',
        availabilityZone: 'us-east-1b',
        launchTime: daysAgo(3).toISOString(),
        missingTags: [
          'ManagedBy=SpotOptimizer',
          'aws:autoscaling:groupName',
          'eks:cluster-name',
          'kubernetes.io/cluster/*',
        ],
        tags: { ManagedBy: 'someone-else', Owner: 'alice@example.com', Name: 'scratch' },
      },
    });
    expect(someone.title).toContain('launched by alice@example.com');

    const expired = findings.find((f) => f.resourceId === 'i-0expiredexempt')!;
    expect(expired.dueAt).toEqual(new Date(new Date(NOW).getTime() + 24 * HOUR));
    expect(expired.evidence).toMatchObject({
      launchedBy: 'IAMUser:AIDA:bob',
      launchedByTag: 'aws:createdBy',
    });
  });

  it('keeps the grace deadline across scans and restarts it once the instance is tagged', async () => {
    mockInstances();
    const ctx = scanContext(t.db, account);
    const first = await unauthorizedInstances.scan(ctx);
    const due = first.find((f) => f.resourceId === 'i-0someoneelse')!.dueAt;
    ctx.clock.advance(5 * HOUR);
    const second = await unauthorizedInstances.scan(ctx);
    expect(second.find((f) => f.resourceId === 'i-0someoneelse')!.dueAt).toEqual(due);

    ec2.reset();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [reservation(instance('i-0someoneelse', { ManagedBy: 'SpotOptimizer' }))],
    });
    expect(await unauthorizedInstances.scan(ctx)).toEqual([]);
    const rows = await t.db
      .select()
      .from(resourceSightings)
      .where(eq(resourceSightings.condition, 'unauthorized'));
    expect(rows).toEqual([]);
  });

  it('uses the configured authorising tags', async () => {
    mockInstances();
    const findings = await unauthorizedInstances.scan(
      scanContext(t.db, account, { config: testConfig({ SHADOW_AUTHORIZING_TAGS: 'ManagedBy,Owner' }) }),
    );
    // every running instance without a ManagedBy or Owner tag (no exemptions in this account)
    expect(findings.map((f) => f.resourceId).sort()).toEqual([
      'i-0asg',
      'i-0eks',
      'i-0exempt',
      'i-0expiredexempt',
      'i-0k8s',
    ]);
  });
});

describe('matchesTagRule', () => {
  const [managedBy, asg, , k8s] = authorizingTags(testConfig());

  it('matches Key=Value exactly', () => {
    expect(matchesTagRule({ ManagedBy: 'SpotOptimizer' }, managedBy!)).toBe(true);
    expect(matchesTagRule({ ManagedBy: 'spotoptimizer' }, managedBy!)).toBe(false);
    expect(matchesTagRule({ managedby: 'SpotOptimizer' }, managedBy!)).toBe(false);
  });

  it('matches a bare key with any value, even empty', () => {
    expect(matchesTagRule({ 'aws:autoscaling:groupName': '' }, asg!)).toBe(true);
    expect(matchesTagRule({ 'aws:autoscaling:groupNameX': 'a' }, asg!)).toBe(false);
  });

  it('matches a prefix rule on any key under the prefix', () => {
    expect(matchesTagRule({ 'kubernetes.io/cluster/prod': 'shared' }, k8s!)).toBe(true);
    expect(matchesTagRule({ 'kubernetes.io/cluster': 'owned' }, k8s!)).toBe(false);
    expect(matchesTagRule({ 'kubernetes.io/role/node': '1' }, k8s!)).toBe(false);
  });
});
