// Acceptance (issue 13, queue): two worker PROCESSES against one PostgreSQL share 200 queued
// executions (release-elastic-ip as a dry run, AWS mocked in each child, each run taking a few
// milliseconds of "work"): none runs twice, every account's executions start in priority order,
// and the recorded start and finish times never show more running than the global and the
// per-account limits allow. Needs PostgreSQL (TEST_DATABASE_URL, the "postgres" project).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { auditEvents, executionSteps, executions } from '../../src/db/schema.js';
import { PRIORITIES } from '../../src/engine/priorities.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { bundleChild, postgresReachable, waitFor } from '../helpers/processes.js';

const CHILD = '.crash/queue/child.mjs';
const LIMITS = { global: 5, perAccount: 2 };
const COUNT = 200;
const FINAL = ['succeeded', 'failed', 'stale', 'rolled_back', 'cancelled'];

const adminUrl = process.env.TEST_DATABASE_URL;
const skipReason =
  process.env.SPOTOPS_TEST_DB !== 'postgres'
    ? 'the shared-queue test runs in the "postgres" project (TEST_DATABASE_URL set): PGlite is one process'
    : !(await postgresReachable(adminUrl))
      ? 'PostgreSQL at TEST_DATABASE_URL is not reachable'
      : undefined;
if (skipReason) console.warn(`skipping the shared-queue test: ${skipReason}`);

/** The most intervals open at once (a finish at the same instant as a start frees its slot first). */
function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [
    { at: i.start, d: 1 },
    { at: i.end, d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of events) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}

describe.skipIf(skipReason !== undefined)(
  'two worker processes sharing one queue',
  { timeout: 180_000 },
  () => {
    let database: Database;
    let dbName = '';
    let dbUrl = '';
    const children: { proc: ChildProcess; out: () => string; exited: Promise<number | null> }[] = [];
    const accountIds: number[] = [];

    beforeAll(async () => {
      bundleChild('test/queue/child.ts', CHILD);

      dbName = `spotops_queue_${randomBytes(5).toString('hex')}`;
      const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${dbName}`);
      await admin.end();
      const url = new URL(adminUrl!);
      url.pathname = `/${dbName}`;
      dbUrl = url.toString();
      database = await openDatabase({ url: dbUrl });
      await migrate(database);
      for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
        accountIds.push((await verifiedAccount(database.db, { name })).id);
      }
    }, 60_000);

    afterAll(async () => {
      for (const c of children) {
        c.proc.kill('SIGKILL');
        await c.exited;
      }
      await database?.close();
      if (dbName) {
        const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    });

    function startWorker() {
      const proc = spawn(process.execPath, [CHILD], {
        env: {
          ...process.env,
          DATABASE_URL: dbUrl,
          QUEUE_MAX_RUNNING: String(LIMITS.global),
          QUEUE_MAX_PER_ACCOUNT: String(LIMITS.perAccount),
          WORKER_SLOTS: '4',
          WORK_MS: '25',
          POLL_MS: '100',
          CHILD_LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout?.on('data', (d) => {
        out += d;
      });
      proc.stderr?.on('data', (d) => {
        out += d;
      });
      const child = { proc, out: () => out, exited: new Promise<number | null>((r) => proc.once('exit', r)) };
      children.push(child);
      return child;
    }

    it('runs each of 200 executions once, in priority order per account, within the limits', async () => {
      // The first account holds most of the urgent work: without its limit it would fill every slot.
      const urgent = [PRIORITIES.critical, PRIORITIES.high];
      const routine = [PRIORITIES.medium, PRIORITIES.low, PRIORITIES.high];
      const due = new Date(Date.now() - 60_000);
      await database.db.insert(executions).values(
        Array.from({ length: COUNT }, (_, i) => ({
          accountId: i < 80 ? accountIds[0]! : accountIds[1 + (i % 3)]!,
          region: 'us-east-1',
          executor: 'release-elastic-ip',
          params: { allocationId: `eipalloc-${i}`, publicIp: '52.1.2.3' },
          requestedBy: 'system',
          approvedBy: 'U0BOB',
          dryRun: true,
          status: 'approved' as const,
          priority: i < 80 ? urgent[(i * 7) % 2]! : routine[(i * 5) % 3]!,
          scheduledFor: due,
        })),
      );
      const workers = [startWorker(), startWorker()];
      await Promise.race([
        waitFor(
          'every execution to finish',
          async () => {
            const [row] = await database.db
              .select({ n: sql<number>`count(*)`.mapWith(Number) })
              .from(executions)
              .where(inArray(executions.status, FINAL as never));
            return row!.n === COUNT ? true : undefined;
          },
          150_000,
        ),
        ...workers.map((w) =>
          w.exited.then((code) => {
            throw new Error(`a worker exited (${code}):\n${w.out()}`);
          }),
        ),
      ]);

      const rows = await database.db.select().from(executions);
      // Ran once: claimed once, one rehearsal each in the audit trail, every run a success.
      expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'succeeded'));
      expect(rows.filter((r) => r.attempt !== 1)).toEqual([]);
      const runs = await database.db
        .select({ id: auditEvents.executionId, n: sql<number>`count(*)`.mapWith(Number) })
        .from(auditEvents)
        .where(eq(auditEvents.event, 'dry_run'))
        .groupBy(auditEvents.executionId);
      expect(runs).toHaveLength(COUNT);
      expect(runs.filter((r) => r.n !== 1)).toEqual([]);

      // Both processes took part (the step journal names each step's worker: host:pid:random).
      const owners = await database.db
        .selectDistinct({ owner: executionSteps.owner })
        .from(executionSteps)
        .where(and(eq(executionSteps.name, 'validate')));
      const pids = new Set(owners.map((o) => o.owner.split(':')[1]));
      expect(pids.size).toBe(2);

      // Limits, from the recorded start and finish times.
      const interval = (r: (typeof rows)[number]) => ({
        start: r.startedAt!.getTime(),
        end: r.finishedAt!.getTime(),
      });
      const overall = maxOverlap(rows.map(interval));
      expect(overall).toBeLessThanOrEqual(LIMITS.global);
      expect(overall).toBeGreaterThan(1); // it did run in parallel
      for (const id of accountIds) {
        const mine = rows.filter((r) => r.accountId === id);
        expect(maxOverlap(mine.map(interval)), `account ${id}`).toBeLessThanOrEqual(LIMITS.perAccount);
        // Priority order: within an account each start is the best one left (priority, then id).
        const started = [...mine].sort(
          (a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.priority - b.priority || a.id - b.id,
        );
        const ideal = [...mine].sort((a, b) => a.priority - b.priority || a.id - b.id);
        expect(
          started.map((r) => r.id),
          `account ${id}`,
        ).toEqual(ideal.map((r) => r.id));
      }
    });
  },
);
