import {
  type Address,
  DescribeAddressesCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Account, auditEvents, recommendations, scanRuns } from '../../src/db/schema.js';
import { HOUR, ManualClock } from '../../src/lib/clock.js';
import { UserError } from '../../src/lib/errors.js';
import { fingerprint } from '../../src/lib/ids.js';
import { silentLogger } from '../../src/lib/logger.js';
import { sleep } from '../../src/lib/retry.js';
import { runScan, type ScanDeps } from '../../src/scanners/run.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertAccount, mockedAccess, NOW, testConfig } from './helpers.js';

const ec2 = mockClient(EC2Client);
const EIPS = 'unassociated-elastic-ips';

const eip = (id: string, ip: string): Address => ({ AllocationId: id, PublicIp: ip, Domain: 'vpc' });
const answer = (...addresses: Address[]) =>
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: addresses });

describe('runScan', () => {
  let t: TestDatabase;
  let account: Account;
  let clock: ManualClock;
  let deps: ScanDeps;

  const rec = async (resourceId: string) => {
    const [row] = await t.db.select().from(recommendations).where(eq(recommendations.resourceId, resourceId));
    return row!;
  };
  const setStatus = (resourceId: string, status: 'posted' | 'approved' | 'ignored') =>
    t.db.update(recommendations).set({ status }).where(eq(recommendations.resourceId, resourceId));
  const scan = (kinds: string[] = [EIPS], accounts: Account[] = [account]) =>
    runScan(deps, { accounts, kinds });

  beforeEach(async () => {
    ec2.reset();
    t = await createTestDatabase();
    account = await insertAccount(t.db);
    clock = new ManualClock(NOW);
    deps = { db: t.db, aws: () => mockedAccess(), clock, log: silentLogger, config: testConfig() };
  });
  afterEach(() => t.destroy());

  it('opens new findings by fingerprint, records the run and audits each one', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'), eip('eipalloc-b', '3.80.0.2'));
    const report = await scan();

    expect(report.failures).toEqual([]);
    expect(report.resolved).toEqual([]);
    expect(report.newlyOpened.map((r) => r.resourceId).sort()).toEqual(['eipalloc-a', 'eipalloc-b']);
    expect(report.runs).toEqual([
      expect.objectContaining({
        accountId: account.id,
        region: 'us-east-1',
        scanner: EIPS,
        status: 'succeeded',
        findings: 2,
      }),
    ]);

    const a = await rec('eipalloc-a');
    expect(a).toMatchObject({
      fingerprint: fingerprint(EIPS, String(account.id), 'us-east-1', 'eipalloc-a'),
      kind: EIPS,
      executor: 'release-elastic-ip',
      status: 'open',
      params: { allocationId: 'eipalloc-a', publicIp: '3.80.0.1' },
      monthlySavingsUsd: 3.65,
      riskLevel: 'MEDIUM',
      firstSeenAt: new Date(NOW),
      lastSeenAt: new Date(NOW),
    });
    const [run] = await t.db.select().from(scanRuns);
    expect(run).toMatchObject({ status: 'succeeded', findings: 2, error: null, finishedAt: new Date(NOW) });
    const events = await t.db.select().from(auditEvents).orderBy(asc(auditEvents.id));
    expect(events.map((e) => [e.event, e.recommendationId, e.actor])).toEqual(
      expect.arrayContaining([
        ['found', a.id, 'system'],
        ['found', (await rec('eipalloc-b')).id, 'system'],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it('refreshes open and posted findings and resolves what a complete scan no longer sees', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'), eip('eipalloc-b', '3.80.0.2'), eip('eipalloc-c', '3.80.0.3'));
    await scan();
    await setStatus('eipalloc-a', 'posted');

    clock.advance(HOUR);
    ec2.reset();
    answer(eip('eipalloc-a', '3.80.9.9'));
    const report = await scan();

    expect(report.newlyOpened).toEqual([]);
    expect(report.resolved.map((r) => r.resourceId).sort()).toEqual(['eipalloc-b', 'eipalloc-c']);
    const a = await rec('eipalloc-a');
    expect(a).toMatchObject({
      status: 'posted',
      params: { allocationId: 'eipalloc-a', publicIp: '3.80.9.9' },
      evidence: expect.objectContaining({ publicIp: '3.80.9.9' }),
      firstSeenAt: new Date(NOW),
      lastSeenAt: clock.now(),
    });
    expect(a.title).toContain('3.80.9.9');
    expect((await rec('eipalloc-b')).status).toBe('resolved');
    const resolvedEvents = await t.db.select().from(auditEvents).where(eq(auditEvents.event, 'resolved'));
    expect(resolvedEvents).toHaveLength(2);
    expect(await t.db.select().from(recommendations)).toHaveLength(3);
  });

  it('resolves nothing when the scan fails, and records why', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'));
    await scan();
    clock.advance(HOUR);
    ec2.reset();
    ec2
      .on(DescribeAddressesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));

    const report = await scan();

    expect(report.resolved).toEqual([]);
    expect(report.failures).toEqual([
      {
        accountId: account.id,
        accountName: 'acme-lab',
        region: 'us-east-1',
        scanner: EIPS,
        error: 'describing Elastic IPs in us-east-1: Rate exceeded',
        cause: expect.any(Error),
      },
    ]);
    expect(report.runs[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Rate exceeded'),
    });
    expect((await rec('eipalloc-a')).status).toBe('open');
    const runs = await t.db.select().from(scanRuns).orderBy(asc(scanRuns.id));
    expect(runs.map((r) => [r.status, r.error])).toEqual([
      ['succeeded', null],
      ['failed', 'describing Elastic IPs in us-east-1: Rate exceeded'],
    ]);
  });

  it('reopens a resolved finding that is seen again, keeping when it was first seen', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'));
    await scan();
    const first = await rec('eipalloc-a');
    clock.advance(HOUR);
    ec2.reset();
    answer();
    await scan();
    expect((await rec('eipalloc-a')).status).toBe('resolved');

    clock.advance(HOUR);
    ec2.reset();
    answer(eip('eipalloc-a', '3.80.0.1'));
    const report = await scan();

    expect(report.newlyOpened.map((r) => [r.id, r.status])).toEqual([[first.id, 'open']]);
    expect(await rec('eipalloc-a')).toMatchObject({
      status: 'open',
      firstSeenAt: new Date(NOW),
      lastSeenAt: clock.now(),
    });
    const events = await t.db
      .select({ event: auditEvents.event })
      .from(auditEvents)
      .orderBy(asc(auditEvents.id));
    expect(events.map((e) => e.event)).toEqual(['found', 'resolved', 'reopened']);
  });

  it('leaves findings someone acted on alone, apart from when they were last seen', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'), eip('eipalloc-b', '3.80.0.2'));
    await scan();
    await setStatus('eipalloc-a', 'approved');
    await setStatus('eipalloc-b', 'ignored');
    const before = await rec('eipalloc-a');

    clock.advance(HOUR);
    ec2.reset();
    answer(eip('eipalloc-a', '3.80.7.7'));
    const report = await scan();

    expect(report.newlyOpened).toEqual([]);
    expect(report.resolved).toEqual([]);
    expect(await rec('eipalloc-a')).toMatchObject({
      status: 'approved',
      title: before.title,
      params: before.params,
      evidence: before.evidence,
      lastSeenAt: clock.now(),
    });
    expect(await rec('eipalloc-b')).toMatchObject({ status: 'ignored', lastSeenAt: new Date(NOW) });
  });

  it('runs every account x region x kind with bounded concurrency, and concurrent scans never duplicate', async () => {
    const other = await insertAccount(t.db, 'acme-prod', ['us-east-1', 'eu-west-1']);
    const lab = await insertAccount(t.db, 'acme-lab-2', ['us-east-1', 'eu-west-1']);
    let inFlight = 0;
    let peak = 0;
    ec2.on(DescribeAddressesCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(15);
      inFlight--;
      return { Addresses: [eip('eipalloc-a', '3.80.0.1'), eip('eipalloc-b', '3.80.0.2')] };
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });

    const [r1, r2] = await Promise.all([
      runScan(deps, { accounts: [lab, other], kinds: [EIPS, 'unattached-ebs-volumes'], concurrency: 2 }),
      runScan(deps, { accounts: [lab, other], kinds: [EIPS], concurrency: 2 }),
    ]);

    expect(r1!.runs).toHaveLength(8);
    expect(r1!.runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(r2!.runs).toHaveLength(4);
    expect(peak).toBeLessThanOrEqual(4); // two runners x concurrency 2
    const rows = await t.db.select().from(recommendations);
    expect(rows).toHaveLength(8); // 2 addresses x 2 accounts x 2 regions
    expect(new Set(rows.map((r) => `${r.accountId}/${r.region}/${r.resourceId}`)).size).toBe(8);
    expect(r1!.newlyOpened.length + r2!.newlyOpened.length).toBe(8);
  });

  it('keeps going when one scanner fails and reports the others', async () => {
    answer(eip('eipalloc-a', '3.80.0.1'));
    ec2
      .on(DescribeVolumesCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    const report = await scan([EIPS, 'unattached-ebs-volumes']);
    expect(report.runs.map((r) => [r.scanner, r.status])).toEqual([
      [EIPS, 'succeeded'],
      ['unattached-ebs-volumes', 'failed'],
    ]);
    expect(report.newlyOpened.map((r) => r.resourceId)).toEqual(['eipalloc-a']);
    expect(report.failures.map((f) => f.error)).toEqual([
      'describing EBS volumes in us-east-1: not authorized',
    ]);
  });

  it('refuses an unknown scanner kind and reports an account without regions', async () => {
    await expect(scan(['unused-nat-gateways'])).rejects.toBeInstanceOf(UserError);
    const bare = await insertAccount(t.db, 'no-regions', []);
    const report = await scan([EIPS], [bare]);
    expect(report.runs).toEqual([]);
    expect(report.failures).toEqual([
      expect.objectContaining({
        accountName: 'no-regions',
        scanner: EIPS,
        error: 'account no-regions has no regions to scan',
      }),
    ]);
  });
});
