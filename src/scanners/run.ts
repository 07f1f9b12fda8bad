// The scan runner: runs scanners per account x region x kind with bounded concurrency, records
// each run in scan_runs, upserts findings into recommendations by fingerprint, and resolves the
// open findings a complete run no longer sees. Posting cards is the caller's job: the report
// says what was newly opened and what was resolved.
import { and, eq, getTableColumns, inArray, lt, notInArray, sql } from 'drizzle-orm';
import type { AccountAccess } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import {
  type Account,
  type Recommendation,
  type RecommendationStatus,
  recommendations,
  scanRuns,
} from '../db/schema.js';
import { audit } from '../engine/audit.js';
import type { Clock } from '../lib/clock.js';
import { describeError, UserError } from '../lib/errors.js';
import { fingerprint } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { mapLimit } from '../lib/retry.js';
import { getScanner, scanners } from './index.js';
import type { Finding, Scanner } from './types.js';

export interface ScanDeps {
  db: Db;
  /** Read-role clients for an account; tests pass mocked clients. */
  aws: (account: Account) => AccountAccess;
  clock: Clock;
  log: Logger;
  config: Config;
}

export interface ScanOptions {
  accounts: readonly Account[];
  kinds: readonly string[];
  /** Account x region x kind runs in flight at once (default 4). */
  concurrency?: number;
}

export interface ScanRunResult {
  scanRunId: number;
  accountId: number;
  region: string;
  scanner: string;
  status: 'succeeded' | 'failed';
  findings: number;
  error?: string;
}

export interface ScanFailure {
  accountId: number;
  accountName: string;
  region: string;
  scanner: string;
  error: string;
  /** The thrown error, for explaining it to people (engine/scan-notices.ts). */
  cause?: unknown;
}

export interface ScanReport {
  runs: ScanRunResult[];
  /** Inserted now, or back to `open` from `resolved`: these need a card. */
  newlyOpened: Recommendation[];
  /** Moved from open/posted to resolved: their cards need updating. */
  resolved: Recommendation[];
  failures: ScanFailure[];
}

/** Statuses whose card content follows the latest scan; `resolved` is reopened by a sighting. */
const REFRESHED: readonly RecommendationStatus[] = ['open', 'posted', 'resolved'];
/** Statuses a complete scan may resolve: nobody has acted on them yet. */
const RESOLVABLE: readonly RecommendationStatus[] = ['open', 'posted'];

export async function runScan(deps: ScanDeps, opts: ScanOptions): Promise<ScanReport> {
  const selected = opts.kinds.map((kind) => {
    const scanner = getScanner(kind);
    if (!scanner) {
      throw new UserError(`unknown scanner "${kind}"; known: ${Object.keys(scanners).join(', ')}`);
    }
    return scanner;
  });

  const report: ScanReport = { runs: [], newlyOpened: [], resolved: [], failures: [] };
  const tasks: { account: Account; access: AccountAccess; region: string; scanner: Scanner }[] = [];
  for (const account of opts.accounts) {
    if (account.regions.length === 0) {
      for (const scanner of selected) {
        report.failures.push({
          accountId: account.id,
          accountName: account.name,
          region: '',
          scanner: scanner.kind,
          error: `account ${account.name} has no regions to scan`,
        });
      }
      continue;
    }
    const access = deps.aws(account);
    for (const region of account.regions) {
      for (const scanner of selected) tasks.push({ account, access, region, scanner });
    }
  }

  const outcomes = await mapLimit(tasks, Math.max(1, opts.concurrency ?? 4), (t) =>
    runOne(deps, t.account, t.access, t.region, t.scanner),
  );
  for (const o of outcomes) {
    report.runs.push(o.run);
    report.newlyOpened.push(...o.opened);
    report.resolved.push(...o.resolved);
    if (o.failure) report.failures.push(o.failure);
  }
  return report;
}

interface Outcome {
  run: ScanRunResult;
  opened: Recommendation[];
  resolved: Recommendation[];
  failure?: ScanFailure;
}

/** One scanner over one account+region. Never throws: a failure is recorded and reported. */
async function runOne(
  deps: ScanDeps,
  account: Account,
  access: AccountAccess,
  region: string,
  scanner: Scanner,
): Promise<Outcome> {
  const { db, clock } = deps;
  const log = deps.log.child({ scanner: scanner.kind, account: account.name, region });
  const startedAt = clock.now();
  const [row] = await db
    .insert(scanRuns)
    .values({ accountId: account.id, region, scanner: scanner.kind, status: 'running', startedAt })
    .returning({ id: scanRuns.id });
  const scanRunId = row!.id;
  const base = { scanRunId, accountId: account.id, region, scanner: scanner.kind };
  // Filled as rows are written, so rows opened before a failure are still reported.
  const opened: Recommendation[] = [];

  try {
    const findings = await scanner.scan({
      aws: access,
      account,
      region,
      db,
      clock,
      log,
      config: deps.config,
    });
    for (const f of findings) {
      // A finding outside its run's scope would escape resolution; refuse it loudly.
      if (f.scanner !== scanner.kind || f.accountId !== account.id || f.region !== region) {
        throw new Error(
          `scanner ${scanner.kind} returned a finding for ${f.scanner}/${f.accountId}/${f.region}/${f.resourceId}`,
        );
      }
    }
    await upsertFindings(deps, findings, opened);
    const resolved = await resolveUnseen(deps, { account, region, kind: scanner.kind }, findings, startedAt);
    await db
      .update(scanRuns)
      .set({ status: 'succeeded', findings: findings.length, finishedAt: clock.now() })
      .where(eq(scanRuns.id, scanRunId));
    log.info(
      { findings: findings.length, opened: opened.length, resolved: resolved.length },
      'scan finished',
    );
    return { run: { ...base, status: 'succeeded', findings: findings.length }, opened, resolved };
  } catch (err) {
    const error = describeError(err);
    log.warn({ err }, 'scan failed; nothing resolved');
    await db
      .update(scanRuns)
      .set({ status: 'failed', error, finishedAt: clock.now() })
      .where(eq(scanRuns.id, scanRunId));
    return {
      run: { ...base, status: 'failed', findings: 0, error },
      opened,
      resolved: [],
      failure: {
        accountId: account.id,
        accountName: account.name,
        region,
        scanner: scanner.kind,
        error,
        cause: err,
      },
    };
  }
}

const fingerprintOf = (f: Finding) => fingerprint(f.scanner, String(f.accountId), f.region, f.resourceId);

/**
 * INSERT ... ON CONFLICT (fingerprint) DO UPDATE, one finding at a time, so concurrent scans
 * cannot duplicate a recommendation. Appends to `opened` the rows that now need a card: new
 * ones and ones reopened from `resolved`.
 */
async function upsertFindings(
  deps: ScanDeps,
  findings: readonly Finding[],
  opened: Recommendation[],
): Promise<void> {
  const { db } = deps;
  if (findings.length === 0) return;
  const now = deps.clock.now();
  const fps = findings.map(fingerprintOf);
  const before = new Map(
    (
      await db
        .select({ fingerprint: recommendations.fingerprint, status: recommendations.status })
        .from(recommendations)
        .where(inArray(recommendations.fingerprint, fps))
    ).map((r) => [r.fingerprint, r.status]),
  );

  // In ON CONFLICT DO UPDATE, `recommendations.x` is the existing row and `excluded.x` the new
  // one (a bare column name would be ambiguous).
  const refreshed = sql.raw(`"recommendations"."status" in (${REFRESHED.map((s) => `'${s}'`).join(', ')})`);
  const follow = (column: string) =>
    sql`case when ${refreshed} then ${sql.raw(`excluded."${column}"`)} else ${sql.raw(`"recommendations"."${column}"`)} end`;

  const seen = new Set<string>();
  for (const [i, f] of findings.entries()) {
    const fp = fps[i]!;
    if (seen.has(fp)) continue; // a scanner listing a resource twice
    seen.add(fp);
    const [rec] = await db
      .insert(recommendations)
      .values({
        fingerprint: fp,
        kind: f.scanner,
        executor: f.proposal.executor,
        accountId: f.accountId,
        region: f.region,
        resourceId: f.resourceId,
        title: f.title,
        params: f.proposal.params,
        evidence: f.evidence,
        monthlySavingsUsd: f.monthlySavingsUsd,
        riskLevel: f.riskLevel ?? 'LOW',
        status: 'open',
        dueAt: f.dueAt ?? null,
        firstSeenAt: now,
        lastSeenAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: recommendations.fingerprint,
        set: {
          status: sql`case when "recommendations"."status" = 'resolved' then 'open'::recommendation_status else "recommendations"."status" end`,
          executor: follow('executor'),
          title: follow('title'),
          params: follow('params'),
          evidence: follow('evidence'),
          monthlySavingsUsd: follow('monthly_savings_usd'),
          riskLevel: follow('risk_level'),
          dueAt: follow('due_at'),
          lastSeenAt: sql`excluded."last_seen_at"`,
          updatedAt: follow('updated_at'),
        },
      })
      .returning({ ...getTableColumns(recommendations), inserted: sql<boolean>`(xmax = 0)` });
    if (!rec) throw new Error(`upserting the ${f.scanner} finding for ${f.resourceId}: no row returned`);
    const { inserted, ...recommendation } = rec;
    const reopened = !inserted && before.get(fp) === 'resolved' && recommendation.status === 'open';
    if (inserted || reopened) {
      opened.push(recommendation);
      await audit(
        { db, log: deps.log },
        {
          actor: 'system',
          event: inserted ? 'found' : 'reopened',
          message: inserted ? `Found: ${f.title}` : `Seen again, reopened: ${f.title}`,
          recommendationId: recommendation.id,
          accountId: f.accountId,
          detail: { scanner: f.scanner, region: f.region, resourceId: f.resourceId },
          quiet: true, // the card's thread gets one summary per scan (engine/publish.ts)
        },
      );
    }
  }
}

/**
 * After a complete run: open/posted findings of this account+region+kind that the run did not
 * see become `resolved`. `last_seen_at < startedAt` keeps a concurrent run's fresh sightings.
 */
async function resolveUnseen(
  deps: ScanDeps,
  scope: { account: Account; region: string; kind: string },
  findings: readonly Finding[],
  startedAt: Date,
): Promise<Recommendation[]> {
  const { db } = deps;
  const seen = findings.map(fingerprintOf);
  const rows = await db
    .update(recommendations)
    .set({ status: 'resolved', updatedAt: deps.clock.now() })
    .where(
      and(
        eq(recommendations.accountId, scope.account.id),
        eq(recommendations.region, scope.region),
        eq(recommendations.kind, scope.kind),
        inArray(recommendations.status, [...RESOLVABLE]),
        lt(recommendations.lastSeenAt, startedAt),
        seen.length > 0 ? notInArray(recommendations.fingerprint, seen) : undefined,
      ),
    )
    .returning();
  for (const rec of rows) {
    await audit(
      { db, log: deps.log },
      {
        actor: 'system',
        event: 'resolved',
        message: `Resolved: no longer seen by a complete ${scope.kind} scan`,
        recommendationId: rec.id,
        accountId: rec.accountId,
        detail: { scanner: scope.kind, region: scope.region, resourceId: rec.resourceId },
        quiet: true, // the card's thread gets one summary per scan (engine/publish.ts)
      },
    );
  }
  return rows;
}
