// The scan runner: runs scanners per account x region x kind with bounded concurrency, records
// each run in scan_runs, stores findings page by page as the listing arrives (set-based: a chunk
// of thousands per statement, unchanged ones only get last_seen_at), and resolves the open
// findings a complete run no longer saw. Posting cards is the caller's job: the report says what
// was newly opened and what was resolved.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AccountAccess } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Db, DbOrTx } from '../db/client.js';
import {
  type FindingRef,
  type FindingRow,
  resolveUnseenChunk,
  upsertFindingChunk,
} from '../db/queries/recommendations.js';
import { type Account, scanRuns } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { describeError, UserError } from '../lib/errors.js';
import { fingerprint } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { mapLimit } from '../lib/retry.js';
import { recordScan } from '../metrics/registry.js';
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
  newlyOpened: FindingRef[];
  /** Moved from open/posted to resolved: their cards need updating. */
  resolved: FindingRef[];
  failures: ScanFailure[];
  /** Rows whose content was written (new, changed, reopened) and rows only marked as seen. */
  written: number;
  unchanged: number;
}

/** Findings buffered from listing pages before one set-based write. */
const WRITE_CHUNK = 5000;

export async function runScan(deps: ScanDeps, opts: ScanOptions): Promise<ScanReport> {
  const selected = opts.kinds.map((kind) => {
    const scanner = getScanner(kind);
    if (!scanner) {
      throw new UserError(`unknown scanner "${kind}"; known: ${Object.keys(scanners).join(', ')}`);
    }
    return scanner;
  });

  const report: ScanReport = {
    runs: [],
    newlyOpened: [],
    resolved: [],
    failures: [],
    written: 0,
    unchanged: 0,
  };
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
    report.written += o.written;
    report.unchanged += o.unchanged;
    if (o.failure) report.failures.push(o.failure);
  }
  return report;
}

interface Outcome {
  run: ScanRunResult;
  opened: FindingRef[];
  resolved: FindingRef[];
  written: number;
  unchanged: number;
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
  const wallStart = performance.now();
  const [row] = await db
    .insert(scanRuns)
    .values({ accountId: account.id, region, scanner: scanner.kind, status: 'running', startedAt })
    .returning({ id: scanRuns.id });
  const scanRunId = row!.id;
  const base = { scanRunId, accountId: account.id, region, scanner: scanner.kind };
  // Filled as rows are written, so rows opened before a failure are still reported.
  const store = findingStore(db, clock.now());
  try {
    for await (const page of scanner.pages({
      aws: access,
      account,
      region,
      db,
      clock,
      log,
      config: deps.config,
    })) {
      for (const f of page) {
        // A finding outside its run's scope would escape resolution; refuse it loudly.
        if (f.scanner !== scanner.kind || f.accountId !== account.id || f.region !== region) {
          throw new Error(
            `scanner ${scanner.kind} returned a finding for ${f.scanner}/${f.accountId}/${f.region}/${f.resourceId}`,
          );
        }
      }
      await store.add(page);
    }
    await store.flush();
    const resolved = await resolveUnseen(
      db,
      { accountId: account.id, region, kind: scanner.kind },
      startedAt,
      clock,
    );
    await db
      .update(scanRuns)
      .set({ status: 'succeeded', findings: store.seen, finishedAt: clock.now() })
      .where(eq(scanRuns.id, scanRunId));
    recordScan(scanner.kind, 'succeeded', (performance.now() - wallStart) / 1000, store.seen);
    log.info(
      {
        findings: store.seen,
        opened: store.opened.length,
        written: store.written,
        resolved: resolved.length,
      },
      'scan finished',
    );
    return {
      run: { ...base, status: 'succeeded', findings: store.seen },
      opened: store.opened,
      resolved,
      written: store.written,
      unchanged: store.unchanged,
    };
  } catch (err) {
    const error = describeError(err);
    await store.abandon();
    log.warn({ err }, 'scan failed; nothing resolved');
    recordScan(scanner.kind, 'failed', (performance.now() - wallStart) / 1000, 0);
    await db
      .update(scanRuns)
      .set({ status: 'failed', error, finishedAt: clock.now() })
      .where(eq(scanRuns.id, scanRunId));
    return {
      run: { ...base, status: 'failed', findings: 0, error },
      opened: store.opened,
      resolved: [],
      written: store.written,
      unchanged: store.unchanged,
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

export const fingerprintOf = (f: Pick<Finding, 'scanner' | 'accountId' | 'region' | 'resourceId'>): string =>
  fingerprint(f.scanner, String(f.accountId), f.region, f.resourceId);

/** Hash of everything a scan says about a finding: equal hashes mean nothing to rewrite. */
export function contentHashOf(f: Finding): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        f.proposal.executor,
        f.title,
        f.proposal.params ?? null,
        f.evidence,
        f.monthlySavingsUsd,
        f.riskLevel ?? 'LOW',
        f.dueAt?.toISOString() ?? null,
      ]),
    )
    .digest('base64url');
}

export function findingRow(f: Finding): FindingRow {
  return {
    fingerprint: fingerprintOf(f),
    contentHash: contentHashOf(f),
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
    dueAt: f.dueAt ?? null,
  };
}

export interface FindingStore {
  /** Buffers a page; writes a chunk once WRITE_CHUNK findings are waiting. */
  add(findings: readonly Finding[]): Promise<void>;
  /** Writes what is buffered and waits for every write. */
  flush(): Promise<void>;
  /** After a failed listing: waits for the chunk being written (its error ignored), drops the rest. */
  abandon(): Promise<void>;
  /** Distinct findings seen, rows written, rows only marked as seen, and what was (re)opened. */
  readonly seen: number;
  readonly written: number;
  readonly unchanged: number;
  readonly opened: FindingRef[];
}

/**
 * Writes findings in chunks, each one transaction (the bump and the upsert with its audit rows).
 * A resource listed twice within a chunk is stored once (a repeat across chunks is only marked
 * as seen again). One chunk is written while the next one is collected (the listing and hashing
 * of the next page overlap the database's work), never two at once: a scan holds one
 * connection, and chunks commit in order. Only the chunk in hand and the one being written are
 * held in memory.
 */
export function findingStore(db: DbOrTx, now: Date, chunkSize = WRITE_CHUNK): FindingStore {
  let buffer = new Map<string, FindingRow>();
  const state = { seen: 0, written: 0, unchanged: 0, opened: [] as FindingRef[] };
  // The chunk being written; its failure is raised by the next add() or flush().
  let inFlight: Promise<void> | undefined;
  const settle = async () => {
    const pending = inFlight;
    inFlight = undefined;
    await pending;
  };
  const write = async (chunk: FindingRow[]) => {
    const out = await db.transaction(async (tx) => {
      // Each chunk looks up a few thousand rows by fingerprint: index probes, whatever the
      // planner's estimate says, instead of a scan of the whole table per chunk.
      await tx.execute(sql`set local enable_seqscan = off`);
      return upsertFindingChunk(tx, chunk, now);
    });
    state.written += out.written;
    state.unchanged += out.bumped;
    for (const ref of out.opened) state.opened.push(ref);
  };
  const start = async () => {
    await settle();
    if (buffer.size === 0) return;
    const chunk = [...buffer.values()];
    buffer = new Map();
    const w = write(chunk);
    // Marked as handled here; the error is rethrown by settle() to whoever waits next.
    w.catch(() => undefined);
    inFlight = w;
  };
  return {
    async add(findings) {
      for (const f of findings) {
        const row = findingRow(f);
        if (buffer.has(row.fingerprint)) continue;
        buffer.set(row.fingerprint, row);
        state.seen += 1;
      }
      if (buffer.size >= chunkSize) await start();
    },
    async flush() {
      await start();
      await settle();
    },
    async abandon() {
      buffer = new Map();
      await settle().catch(() => undefined);
    },
    get seen() {
      return state.seen;
    },
    get written() {
      return state.written;
    },
    get unchanged() {
      return state.unchanged;
    },
    get opened() {
      return state.opened;
    },
  };
}

/**
 * After a complete run: open/posted findings of this account+region+kind that the run did not
 * see become `resolved`, a chunk per statement. Seen ones carry last_seen_at >= startedAt.
 */
export async function resolveUnseen(
  db: DbOrTx,
  scope: { accountId: number; region: string; kind: string },
  startedAt: Date,
  clock: Clock,
  chunkSize = WRITE_CHUNK,
): Promise<FindingRef[]> {
  const resolved: FindingRef[] = [];
  for (;;) {
    const chunk = await db.transaction((tx) =>
      resolveUnseenChunk(tx, scope, startedAt, clock.now(), chunkSize),
    );
    for (const ref of chunk) resolved.push(ref);
    if (chunk.length < chunkSize) return resolved;
  }
}
