// `/spot history [account] [days] [kind]` and `/spot savings ... csv` through the Bolt app and
// the fake Slack: filters in any order, a sentence for each kind of bad input, a page from SQL
// with an "N more" line, and a CSV uploaded through the outbox (files.uploadV2's three calls)
// that parses back, strictly, to exactly what the database holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions, measuredSavings, recommendations } from '../../src/db/schema.js';
import { SAVINGS_CSV_COLUMNS } from '../../src/slack/files/savings-csv.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { checkMessage } from '../helpers/slack-limits.js';

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes, nothing else. */
function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r')
        throw new Error(`junk after a quote at ${i}`);
      continue;
    }
    if (text[i] === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text[i] === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (text[i] === '\n' || text[i] === '"') {
      throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
    } else {
      field += text[i++];
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

const all = (r: { text: string; blocks?: unknown[] }) => `${r.text} ${JSON.stringify(r.blocks ?? [])}`;

describe('/spot history and /spot savings csv', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const lab = await verifiedAccount(t.db.db, { name: 'lab' });
    const prod = await verifiedAccount(t.db.db, { name: 'payments', environment: 'PROD' });
    const now = t.clock.now().getTime();
    const daysAgo = (d: number) => new Date(now - d * 86_400_000);
    // 30 Elastic IP releases in lab over the last 30 days, 3 Spot moves in payments 40 days ago.
    for (let i = 0; i < 33; i++) {
      const spot = i >= 30;
      const account = spot ? prod : lab;
      const [rec] = await t.db.db
        .insert(recommendations)
        .values({
          fingerprint: `f${i}`,
          kind: spot ? 'spot-lab' : 'unassociated-elastic-ips',
          executor: spot ? 'spot-lab-switch' : 'release-elastic-ip',
          accountId: account.id,
          region: spot ? 'eu-west-1' : 'us-east-1',
          resourceId: spot ? `i-0${i}` : `eipalloc-${i}`,
          title: spot ? `Move i-0${i} to Spot` : `Elastic IP 52.1.2.${i}, "spare"`,
          params: {},
          evidence: {},
          monthlySavingsUsd: spot ? 40 : 3.65,
          status: 'executed',
        })
        .returning();
      const at = spot ? daysAgo(40) : daysAgo(i + 0.5);
      const [exec] = await t.db.db
        .insert(executions)
        .values({
          recommendationId: rec!.id,
          accountId: account.id,
          region: rec!.region,
          executor: rec!.executor,
          params: {},
          requestedBy: 'U0BOB',
          approvedBy: 'U0BOB',
          dryRun: false,
          status: i === 5 ? 'failed' : 'succeeded',
          error: i === 5 ? 'the role lacks ec2:ReleaseAddress' : null,
          summary: i === 5 ? null : `Done ${i}`,
          estimatedMonthlySavings: rec!.monthlySavingsUsd,
          createdAt: at,
          startedAt: at,
          finishedAt: at,
        })
        .returning();
      if (i % 2 === 0 && i !== 5) {
        await t.db.db.insert(measuredSavings).values({
          executionId: exec!.id,
          kind: rec!.kind,
          method: spot ? 'spot-price-series' : 'still-gone',
          hours: 24,
          savedUsd: spot ? 12.345 : 0.12,
          monthlyRateUsd: spot ? 37.5 : 3.65,
          estimatedMonthlyUsd: rec!.monthlySavingsUsd,
          measuredAt: t.clock.now(),
        });
      }
    }
  });
  afterAll(() => t.stop());

  it('filters by account, days and kind in any order', async () => {
    const a = await t.commandReply('history spot-lab payments');
    expect(a.text).toBe('3 executions (payments · spot-lab)');
    const b = await t.commandReply('history 7 lab');
    expect(b.text).toBe('7 executions (lab · last 7 days)');
    const c = await t.commandReply('history unassociated-elastic-ips 45d');
    expect(c.text).toBe('30 executions (last 45 days · unassociated-elastic-ips)');
    for (const r of [a, b, c]) expect(checkMessage(r as never)).toEqual([]);
    expect(all(b)).toContain('Done 6');
    expect(all(b)).not.toContain('Done 7');
  });

  it('shows one page and says how many more there are', async () => {
    const r = await t.commandReply('history');
    expect(r.text).toBe('33 recent executions');
    expect(r.blocks!.filter((b: any) => b.type === 'section')).toHaveLength(20);
    expect(all(r)).toContain('13 more executions not shown');
    expect(checkMessage(r as never)).toEqual([]);
  });

  it('answers bad input with a sentence that lists what is valid', async () => {
    const unknown = (await t.commandReply('history staging')).text;
    expect(unknown).toContain('`staging` is not a connected account, a number of days (1-365) or a kind.');
    expect(unknown).toContain('Accounts: `lab`, `payments`.');
    expect(unknown).toContain('`spot-lab`');
    expect(unknown).toContain('Usage: `/spot history [account] [days] [kind]`');
    expect((await t.commandReply('history 0')).text).toContain('Days must be between 1 and 365; `0` is not.');
    expect((await t.commandReply('history 400d')).text).toContain('Days must be between 1 and 365');
    expect((await t.commandReply('history 7 30')).text).toContain('Give one number of days, not 7 and 30.');
    expect((await t.commandReply('history 7 nothing-matches')).text).toContain('is not a connected account');
    expect((await t.commandReply('history payments 7')).text).toBe(
      'No executions match (payments · last 7 days).',
    );
  });

  it('uploads a savings CSV through the outbox that round-trips to the database', async () => {
    const r = await t.commandReply('savings csv 60', { channel: 'C0OPS' });
    expect(r.text).toBe('Uploading 33 rows of savings (last 60 days) as a CSV file in this channel.');
    await t.deliverOutbox();
    expect(t.slack.callsOf('files.getUploadURLExternal')).toHaveLength(1);
    expect(t.slack.callsOf('upload')).toHaveLength(1);
    expect(t.slack.callsOf('files.completeUploadExternal')).toHaveLength(1);
    const [file] = t.slack.sharedFiles();
    expect(file).toMatchObject({
      channel: 'C0OPS',
      filename: expect.stringMatching(/^spotops-savings-60d-2026-11-24\.csv$/),
    });
    expect(file!.comment).toContain('33 rows');

    const [head, ...records] = parseRfc4180(file!.bytes!.toString('utf8'));
    expect(head).toEqual([...SAVINGS_CSV_COLUMNS]);
    const col = (name: (typeof SAVINGS_CSV_COLUMNS)[number]) => head!.indexOf(name);
    const db = await t.db.db.select().from(executions);
    const measured = await t.db.db.select().from(measuredSavings);
    const recs = await t.db.db.select().from(recommendations);
    expect(records).toHaveLength(db.length);
    for (const row of records) {
      const e = db.find((x) => String(x.id) === row[col('execution_id')])!;
      const rec = recs.find((x) => x.id === e.recommendationId)!;
      const m = measured.find((x) => x.executionId === e.id);
      expect(row[col('account')]).toBe(
        e.accountId === rec.accountId ? (rec.kind === 'spot-lab' ? 'payments' : 'lab') : '?',
      );
      expect(row[col('region')]).toBe(e.region);
      expect(row[col('kind')]).toBe(rec.kind);
      expect(row[col('resource_id')]).toBe(rec.resourceId);
      expect(row[col('status')]).toBe(e.status);
      expect(row[col('finished_at')]).toBe(e.finishedAt!.toISOString());
      expect(Number(row[col('estimated_monthly_usd')])).toBeCloseTo(e.estimatedMonthlySavings!, 2);
      expect(row[col('measured_monthly_usd')]).toBe(m ? m.monthlyRateUsd.toFixed(2) : '');
      expect(row[col('saved_to_date_usd')]).toBe(m ? m.savedUsd.toFixed(2) : '');
      expect(row[col('measurement_method')]).toBe(m?.method ?? '');
    }
    // Filters narrow the file too.
    await t.commandReply('savings payments csv', { channel: 'C0OPS' });
    await t.deliverOutbox();
    const second = t.slack.sharedFiles()[1]!;
    const [, ...payments] = parseRfc4180(second.bytes!.toString('utf8'));
    expect(payments).toHaveLength(3);
    expect(second.filename).toMatch(/^spotops-savings-payments-2026-11-24\.csv$/);
  });

  it('keeps the savings summary when csv is not asked for', async () => {
    expect(all(await t.commandReply('savings'))).toContain('measured');
    expect((await t.commandReply('savings lab')).text).toContain('add `csv`');
  });
});
