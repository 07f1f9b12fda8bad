// GET /metrics through the real HTTP receiver after a scan, an approval and an execution: the
// text exposition carries every named series with the values the database and the run imply;
// a database that does not answer gives a 503 with a sentence, never a throw.
import type { AddressInfo } from 'node:net';
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  executions,
  interruptionResponses,
  measuredSavings,
  outbox,
  recommendations,
  spotPoolRisk,
} from '../../src/db/schema.js';
import { scanAndPost } from '../../src/jobs/scan-and-post.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { scrape } from '../../src/metrics/exposition.js';
import { startHealthServer } from '../../src/slack/health.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp } from '../helpers/app.js';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);

/** Parses the Prometheus text format into `name{labels}` -> value (strict enough to catch junk). */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (Number.isNaN(value)) throw new Error(`not a number: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return out;
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2030-01-01T00:00:00Z'),
      },
    });
    let released = false;
    ec2.on(DescribeAddressesCommand).callsFake(async () => ({
      Addresses: released
        ? []
        : [{ AllocationId: 'eipalloc-0abc', PublicIp: '52.1.2.3', Domain: 'vpc', Tags: [] }],
    }));
    ec2.on(ReleaseAddressCommand).callsFake(async (input) => {
      if (input.DryRun)
        throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
          name: 'DryRunOperation',
        });
      released = true;
      return {};
    });
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
  });
  afterEach(() => t.stop());

  const get = (t: TestApp, headers: Record<string, string> = {}) =>
    fetch(t.url.replace('/slack/events', '/metrics'), { headers });

  it('exposes executions, durations, queue, scans, acks, outbox, savings and pools', async () => {
    const account = await verifiedAccount(t.db.db);
    await scanAndPost(t.deps, ['unassociated-elastic-ips']);
    await t.deliverOutbox();
    const [rec] = await t.db.db.select().from(recommendations);
    const click = await t.interact(
      buttonClick(ACTIONS.approve, String(rec!.id), { messageTs: rec!.slackTs! }),
    );
    expect(click.status).toBe(200);
    await t.runQueued(1);
    // Queue and backlog that the scrape must count from SQL (not due: nothing picks them up).
    const later = new Date('2027-01-01T00:00:00Z');
    const queued = (status: 'approved' | 'awaiting_approval', priority: number) => ({
      accountId: account.id,
      region: 'us-east-1',
      executor: 'tag-resource',
      params: {},
      requestedBy: 'U1',
      dryRun: true,
      status,
      priority,
      scheduledFor: later,
    });
    await t.db.db
      .insert(executions)
      .values([queued('approved', 10), queued('approved', 10), queued('awaiting_approval', 100)]);
    await t.db.db.insert(outbox).values({
      kind: 'post',
      orderingKey: 'channel:C9',
      payload: { channel: 'C9', text: 'x' },
      status: 'pending',
      attempts: 1,
      nextAttemptAt: later,
    });
    const [done] = await t.db.db.select().from(executions).limit(1);
    await t.db.db.insert(measuredSavings).values({
      executionId: done!.id,
      kind: 'unassociated-elastic-ips',
      method: 'still-gone',
      hours: 24,
      savedUsd: 0.12,
      monthlyRateUsd: 3.65,
      estimatedMonthlyUsd: 3.65,
      measuredAt: t.clock.now(),
    });
    await t.db.db.insert(spotPoolRisk).values([
      {
        region: 'us-east-1',
        availabilityZone: 'use1-az1',
        instanceType: 'm5.large',
        isPoisoned: true,
        poisonExpiresAt: new Date('2026-12-30T00:00:00Z'),
      },
      {
        region: 'us-east-1',
        availabilityZone: 'use1-az2',
        instanceType: 'm5.large',
        isPoisoned: true,
        poisonExpiresAt: new Date('2026-01-01T00:00:00Z'),
      },
    ]);

    // Two interruption warnings answered: one replacement healthy before the old one stopped.
    const at = (s: number) => new Date(t.clock.now().getTime() - 3_600_000 + s * 1000);
    const answered = (instanceId: string, healthyAfter: number) => ({
      accountId: account.id,
      region: 'us-east-1',
      instanceId,
      eventId: `evt-${instanceId}`,
      event: 'interruption',
      target: 'asg',
      action: 'replace',
      status: 'replaced',
      warnedAt: at(0),
      readAt: at(1),
      deadlineAt: at(120),
      requestedAt: at(2),
      healthyAt: at(healthyAfter),
      interruptedStoppedAt: at(120),
    });
    await t.db.db.insert(interruptionResponses).values([answered('i-0a', 60), answered('i-0b', 150)]);

    const res = await get(t);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseExposition(await res.text());

    expect(
      m.get('spotops_executions_total{kind="release-elastic-ip",outcome="succeeded"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      m.get('spotops_execution_duration_seconds_count{kind="release-elastic-ip"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(m.get('spotops_queue_depth{priority="10",status="approved"}')).toBe(2);
    expect(m.get('spotops_queue_depth{priority="100",status="awaiting_approval"}')).toBe(1);
    expect(
      m.get('spotops_scan_duration_seconds_count{scanner="unassociated-elastic-ips",outcome="succeeded"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(m.get('spotops_scan_findings_total{scanner="unassociated-elastic-ips"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(m.get('spotops_slack_ack_latency_seconds_count{type="block_actions"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('spotops_outbox_backlog{kind="post"}')).toBe(1);
    expect(m.get('spotops_measured_monthly_savings_usd{kind="unassociated-elastic-ips"}')).toBeCloseTo(3.65);
    expect(
      m.get('spotops_executed_estimated_monthly_savings_usd{kind="unassociated-elastic-ips"}'),
    ).toBeCloseTo(3.65);
    // The finding was executed: nothing open is estimated any more.
    expect(m.get('spotops_estimated_monthly_savings_usd{kind="unassociated-elastic-ips"}')).toBeUndefined();
    // One pool still poisoned at the clock's now (2026-11-24), the other expired.
    expect(m.get('spotops_poisoned_pools')).toBe(1);
    expect(m.get('spotops_interruption_warnings_handled{outcome="handled"}')).toBe(2);
    expect(m.get('spotops_interruption_warnings_handled{outcome="replaced_in_time"}')).toBe(1);
    expect(m.get('spotops_replaced_before_termination_ratio')).toBe(0.5);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
    // Bolt checks its token once at start; let it finish before the fake Slack stops.
    await t.slack.waitFor(() => t.slack.callsOf('auth.test').length > 0);
  });
  afterEach(() => t.stop());

  it('is also served by the health side server (Socket Mode), with the same token rule', async () => {
    const server = await startHealthServer(t.deps, 0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const ok = await fetch(`${base}/metrics`, {
        headers: { authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE spotops_outbox_backlog gauge');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('asks for the bearer token', async () => {
    const get = (headers: Record<string, string> = {}) =>
      fetch(t.url.replace('/slack/events', '/metrics'), { headers });
    expect((await get()).status).toBe(401);
    expect((await get({ authorization: 'Bearer wrong-token-0123456789x' })).status).toBe(401);
    const ok = await get({ authorization: 'Bearer metrics-token-0123456789' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('spotops_poisoned_pools 0');
  });
});

describe('a scrape while the database is down', () => {
  it('answers 503 with a sentence when the database does not answer', async () => {
    const broken = {
      execute: async () => {
        throw new Error('connection refused');
      },
    };
    const out = await scrape({
      db: broken as never,
      clock: new ManualClock('2026-11-24T12:00:00Z'),
      log: silentLogger,
    });
    expect(out.status).toBe(503);
    expect(out.body).toMatch(/^metrics unavailable: the database did not answer/);
  });
});
