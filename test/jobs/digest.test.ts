// The daily digest at scale and on schedule: none while no account is connected; with 100,000
// open findings it is built from aggregates in well under a second, within Slack's limits, with
// totals that add up ("up to" where snapshots' upper bounds are in); its savings chart is a PNG
// with a point per seeded day, uploaded through the outbox after the message; and the job fires
// at 09:00 in DIGEST_TIME_ZONE, not in UTC.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions, measuredSavings, outbox } from '../../src/db/schema.js';
import { savingsSeries } from '../../src/engine/savings-series.js';
import { CHART_DAYS, digestInput, postDigest } from '../../src/jobs/digest.js';
import { jobs } from '../../src/jobs/index.js';
import { runsAt } from '../../src/jobs/scheduler.js';
import { digest } from '../../src/slack/blocks/digest.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/slack/files/savings-chart.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { startTestApp, type TestApp, testConfig } from '../helpers/app.js';
import { checkMessage } from '../helpers/slack-limits.js';

const FINDINGS = 100_000;
const KINDS = [
  'unassociated-elastic-ips',
  'unattached-ebs-volumes',
  'old-ebs-snapshots',
  'unauthorized-instances',
  'spot-lab',
  'spot-asg',
  'spot-k8s',
];

function pngSize(png: Buffer) {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('the daily digest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DIGEST_TIME_ZONE: 'Europe/Paris' } });
  });
  afterAll(() => t.stop());

  it('is not sent while no account is connected', async () => {
    expect(await postDigest(t.deps)).toEqual({ posted: false, reason: 'no account is connected' });
    expect(await t.db.db.select().from(outbox)).toEqual([]);
    expect((await t.commandReply('digest')).text).toContain('no digest while no account is connected');
  });

  it('builds from aggregates with 100,000 open findings, within limits, with totals that add up', async () => {
    const account = await verifiedAccount(t.db.db);
    await t.db.db.execute(sql`
      insert into recommendations (fingerprint, kind, executor, account_id, region, resource_id, title,
        params, evidence, monthly_savings_usd, status, first_seen_at)
      select 'f' || g, (${sql.raw(`array['${KINDS.join("','")}']`)})[1 + g % ${KINDS.length}], 'tag-resource', ${account.id},
        'us-east-1', 'r-' || g, 'Finding ' || g, '{}'::jsonb,
        case when g % ${KINDS.length} = 2 then '{"savingsIsUpperBound": true}'::jsonb else '{}'::jsonb end,
        1 + (g % 100) / 10.0, case when g % 2 = 0 then 'open' else 'posted' end::recommendation_status,
        ${new Date(t.clock.now().getTime() - 3 * 86_400_000).toISOString()}::timestamptz
      from generate_series(1, ${FINDINGS}) g`);

    const started = performance.now();
    const input = await digestInput(t.deps);
    const msg = digest(input);
    const ms = performance.now() - started;
    console.log(`digest with ${FINDINGS} open findings built in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000); // the target is < 1000 ms; loose here for a busy 2-core box

    expect(checkMessage(msg)).toEqual([]);
    const counted = input.perKind.reduce((n, k) => n + k.count, 0);
    expect(counted).toBe(FINDINGS);
    const total = input.perKind.reduce((n, k) => n + k.monthlySavingsUsd, 0);
    const spot = input.perKind.filter((k) => k.label.startsWith('Spot')).length;
    expect(spot).toBe(3); // Spot recommendations are part of the totals
    const snapshots = input.perKind.find((k) => k.label === 'Unused EBS snapshots')!;
    expect(snapshots.upperBoundMonthlyUsd).toBeCloseTo(snapshots.monthlySavingsUsd, 2);
    expect(input.savings.upperBoundMonthlyUsd).toBeCloseTo(snapshots.monthlySavingsUsd, 2);
    const money = (n: number) =>
      `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    expect(msg.text).toContain(`${FINDINGS} open findings (up to ${money(total)}/month)`);
    const blocks = JSON.stringify(msg.blocks);
    expect(blocks).toContain(
      `Unused EBS snapshots: ${snapshots.count} · up to ${money(snapshots.monthlySavingsUsd)}/month`,
    );
    expect(blocks).not.toContain(
      `Unassociated Elastic IPs: ${input.perKind.find((k) => k.label === 'Unassociated Elastic IPs')!.count} · up to`,
    );
  });

  it('uploads a savings chart with a point for each seeded day, after the message', async () => {
    const [account] = await t.db.db
      .execute(sql`select id from accounts limit 1`)
      .then((r) =>
        'rows' in (r as object)
          ? (r as unknown as { rows: { id: number }[] }).rows
          : (r as unknown as { id: number }[]),
      );
    const now = t.clock.now().getTime();
    const seeded = [2, 5, 9, 20];
    for (const d of seeded) {
      const at = new Date(now - d * 86_400_000);
      const [e] = await t.db.db
        .insert(executions)
        .values({
          accountId: account!.id,
          region: 'us-east-1',
          executor: 'release-elastic-ip',
          params: {},
          requestedBy: 'U0BOB',
          dryRun: false,
          status: 'succeeded',
          estimatedMonthlySavings: 10,
          createdAt: at,
          startedAt: at,
          finishedAt: at,
        })
        .returning();
      await t.db.db.insert(measuredSavings).values({
        executionId: e!.id,
        kind: 'unassociated-elastic-ips',
        method: 'still-gone',
        hours: d * 24,
        savedUsd: d,
        monthlyRateUsd: 8,
        estimatedMonthlyUsd: 10,
        measuredAt: t.clock.now(),
      });
    }
    const points = await savingsSeries(t.db.db, {
      now: t.clock.now(),
      days: CHART_DAYS,
      timeZone: 'Europe/Paris',
    });
    expect(points).toHaveLength(CHART_DAYS);
    const steps = points.filter((p) => p.executions > 0).map((p) => p.day);
    const dayOf = (d: number) =>
      new Date(now - d * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
    expect(steps).toEqual(seeded.map(dayOf).sort());
    expect(points.at(-1)).toMatchObject({ estimatedMonthlyUsd: 40, measuredMonthlyUsd: 32 });

    expect(await postDigest(t.deps, 'C0OPS')).toMatchObject({ posted: true, chart: true });
    await t.deliverOutbox();
    const digestMessage = t.slack.messages.find((m) => /^Daily digest/.test(m.text ?? ''));
    expect(digestMessage).toBeDefined();
    expect(JSON.stringify(digestMessage!.blocks)).toContain(
      'Savings over the last 30 days in the chart below',
    );
    const order = t.slack.calls
      .map((c) => c.method)
      .filter((m) => m === 'chat.postMessage' || m === 'files.completeUploadExternal');
    expect(order.slice(-2)).toEqual(['chat.postMessage', 'files.completeUploadExternal']);
    const [png] = t.slack.sharedFiles();
    expect(png).toMatchObject({
      channel: 'C0OPS',
      filename: expect.stringMatching(/^spotops-savings-\d{4}-\d{2}-\d{2}\.png$/),
    });
    expect(pngSize(png!.bytes!)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });
});

describe('the digest schedule', () => {
  const digestJob = (env: Record<string, string> = {}) =>
    jobs(testConfig(env), { kick: () => {} }).find((j) => j.name === 'digest')!;

  it('fires at 09:00 in DIGEST_TIME_ZONE', () => {
    const paris = digestJob({ DIGEST_TIME_ZONE: 'Europe/Paris' });
    expect(paris.timezone).toBe('Europe/Paris');
    expect(runsAt(paris, new Date('2026-12-02T08:00:00Z'))).toBe(true); // 09:00 CET
    expect(runsAt(paris, new Date('2026-12-02T09:00:00Z'))).toBe(false);
    expect(runsAt(paris, new Date('2026-07-02T07:00:00Z'))).toBe(true); // 09:00 CEST
  });

  it('reads the schedule in UTC by default, and refuses an unknown zone at start-up', () => {
    const utc = digestJob();
    expect(runsAt(utc, new Date('2026-12-02T09:00:00Z'))).toBe(true);
    expect(runsAt(utc, new Date('2026-12-02T08:00:00Z'))).toBe(false);
    expect(() => testConfig({ DIGEST_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      /DIGEST_TIME_ZONE: an IANA time zone/,
    );
  });
});
