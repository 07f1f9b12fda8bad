// Set-based scan persistence at scale: 100,001 findings stored in chunks (no bind-parameter
// ceiling), a re-scan with 1 % changed writes only that 1 %, and one complete scan that sees
// none of them resolves all 100,001, each with its audit row.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../../src/db/schema.js';
import { rows } from '../../../src/db/sets.js';
import { HOUR, ManualClock } from '../../../src/lib/clock.js';
import { findingStore, resolveUnseen } from '../../../src/scanners/run.js';
import type { Finding } from '../../../src/scanners/types.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { insertAccount, NOW } from '../../scanners/helpers.js';

const TOTAL = 100_001;
const PAGE = 1000;
const KIND = 'unattached-ebs-volumes';

function finding(account: Account, i: number, sizeGiB = 100): Finding {
  const id = `vol-${i.toString(16).padStart(8, '0')}`;
  return {
    scanner: KIND,
    accountId: account.id,
    region: 'us-east-1',
    resourceId: id,
    title: `EBS volume ${id} (${sizeGiB} GiB gp3) unattached for 30 days`,
    evidence: { volumeId: id, sizeGiB, volumeType: 'gp3', unattachedDays: 30 },
    monthlySavingsUsd: sizeGiB * 0.08,
    riskLevel: 'MEDIUM',
    proposal: { executor: 'delete-ebs-volume', params: { volumeId: id } },
  };
}

/** Stores findings page by page as a scan does; returns what the store counted. */
async function store(t: TestDatabase, clock: ManualClock, make: (i: number) => Finding) {
  const s = findingStore(t.db, clock.now());
  for (let start = 0; start < TOTAL; start += PAGE) {
    const page: Finding[] = [];
    for (let i = start; i < Math.min(TOTAL, start + PAGE); i++) page.push(make(i));
    await s.add(page);
  }
  await s.flush();
  return s;
}

const count = async (t: TestDatabase, where: string) =>
  (await rows<{ n: number }>(t.db, sql.raw(`select count(*)::int as n from ${where}`)))[0]!.n;

describe('set-based finding persistence', () => {
  let t: TestDatabase;
  let account: Account;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    t = await createTestDatabase();
    account = await insertAccount(t.db);
  }, 120_000);
  afterAll(() => t.destroy());

  it('stores 100,001 findings in one scan, each opened with a found audit row', async () => {
    const s = await store(t, clock, (i) => finding(account, i));

    expect(s.seen).toBe(TOTAL);
    expect(s.written).toBe(TOTAL);
    expect(s.opened).toHaveLength(TOTAL);
    expect(await count(t, `recommendations where status = 'open'`)).toBe(TOTAL);
    expect(await count(t, `audit_events where event = 'found'`)).toBe(TOTAL);
  }, 600_000);

  it('re-scanned with 1 % changed, writes only the changed rows and marks the rest as seen', async () => {
    clock.advance(HOUR);
    const changed = (i: number) => i % 100 === 7;
    const s = await store(t, clock, (i) => finding(account, i, changed(i) ? 200 : 100));

    const expected = Math.ceil((TOTAL - 7) / 100);
    expect(s.written).toBe(expected);
    expect(s.unchanged).toBe(TOTAL - expected);
    expect(s.opened).toEqual([]);
    expect(await count(t, `recommendations where monthly_savings_usd = 16`)).toBe(expected);
    expect(
      await count(t, `recommendations where last_seen_at = '${clock.now().toISOString()}'::timestamptz`),
    ).toBe(TOTAL);
    expect(await count(t, `audit_events`)).toBe(TOTAL); // nothing new to audit
  }, 600_000);

  it('resolves all 100,001 when a complete scan sees none of them, with a resolved audit row each', async () => {
    clock.advance(HOUR);
    const startedAt = clock.now();
    const resolved = await resolveUnseen(
      t.db,
      { accountId: account.id, region: 'us-east-1', kind: KIND },
      startedAt,
      clock,
    );

    expect(resolved).toHaveLength(TOTAL);
    expect(new Set(resolved.map((r) => r.id)).size).toBe(TOTAL);
    expect(await count(t, `recommendations where status = 'resolved'`)).toBe(TOTAL);
    expect(await count(t, `audit_events where event = 'resolved'`)).toBe(TOTAL);
  }, 600_000);

  it('reopens resolved findings seen again, and audits the reopening', async () => {
    clock.advance(HOUR);
    const s = findingStore(t.db, clock.now());
    await s.add([finding(account, 1), finding(account, 2, 100)]);
    await s.flush();

    expect(s.opened.map((r) => [r.resourceId, r.status])).toEqual([
      ['vol-00000001', 'open'],
      ['vol-00000002', 'open'],
    ]);
    expect(await count(t, `audit_events where event = 'reopened'`)).toBe(2);
  }, 600_000);
});
