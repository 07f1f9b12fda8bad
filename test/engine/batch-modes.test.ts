// Batch modes through the real claim (claimNext) with a fake executor: each "tick" of the
// injected clock, every execution the queue lets through starts (its start time recorded by the
// claim), then they all finish. The recorded start times show the grouping and the order.
import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchById } from '../../src/db/queries/batches.js';
import { auditEvents, type BatchMode, batches, executions, outbox } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { batchProgressed } from '../../src/engine/batches.js';
import { claimNext, workerLease } from '../../src/engine/executions.js';
import type { QueueLimits } from '../../src/engine/queue.js';
import { ManualClock, MINUTE } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { ChatPort } from '../../src/ports.js';
import { OutboxRelay } from '../../src/slack/relay.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const WIDE: QueueLimits = { global: 100, perAccount: 100 };

describe('batch modes in the queue', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let accountId: number;
  const start = new Date('2026-12-02T10:00:00Z');
  const deps = () => ({ db: t.db, clock, log: silentLogger }) as unknown as Deps;

  beforeEach(async () => {
    t = await createTestDatabase();
    clock = new ManualClock(start);
    accountId = (await verifiedAccount(t.db)).id;
  });
  afterEach(() => t.destroy());

  async function batch(
    mode: BatchMode,
    items: { region?: string; executor?: string; priority?: number; accountId?: number }[],
    o: { maxConcurrency?: number; maxErrors?: number; stopOnFailure?: boolean; id?: string } = {},
  ): Promise<number[]> {
    const id = o.id ?? 'b1';
    await t.db.insert(batches).values({
      id,
      mode,
      maxConcurrency: o.maxConcurrency ?? 2,
      maxErrors: o.maxErrors ?? 1,
      stopOnFailure: o.stopOnFailure ?? true,
      requestedBy: 'U0BOB',
      description: `test batch ${id}`,
      slackChannel: 'C0OPS',
    });
    const rows = await t.db
      .insert(executions)
      .values(
        items.map((i) => ({
          accountId: i.accountId ?? accountId,
          region: i.region ?? 'us-east-1',
          executor: i.executor ?? 'release-elastic-ip',
          params: {},
          requestedBy: 'system',
          approvedBy: 'U0BOB',
          dryRun: true,
          status: 'approved' as const,
          priority: i.priority ?? 100,
          scheduledFor: start,
          batchId: id,
        })),
      )
      .returning({ id: executions.id });
    return rows.map((r) => r.id);
  }

  /** Runs the queue tick by tick; returns the ids started in each tick (from recorded start times). */
  async function simulate(
    limits: QueueLimits = WIDE,
    finish: (id: number) => 'succeeded' | 'failed' = () => 'succeeded',
  ) {
    const lease = workerLease();
    for (let tick = 0; tick < 50; tick++) {
      const started: number[] = [];
      for (let c = await claimNext(deps(), lease, limits); c; c = await claimNext(deps(), lease, limits)) {
        started.push(c.id);
      }
      if (started.length === 0) break;
      clock.advance(MINUTE);
      for (const id of started) {
        await t.db
          .update(executions)
          .set({ status: finish(id), finishedAt: clock.now() })
          .where(eq(executions.id, id));
        await batchProgressed(deps(), 'b1');
      }
    }
    const rows = await t.db
      .select({ id: executions.id, startedAt: executions.startedAt })
      .from(executions)
      .orderBy(asc(executions.startedAt), asc(executions.id));
    const ticks = new Map<number, number[]>();
    for (const r of rows) {
      if (!r.startedAt) continue;
      const tick = (r.startedAt.getTime() - start.getTime()) / MINUTE;
      ticks.set(tick, [...(ticks.get(tick) ?? []), r.id]);
    }
    return [...ticks.values()];
  }

  it('sequential: one at a time, in queue order, whatever its maximum says', async () => {
    const ids = await batch('sequential', [{}, {}, {}, {}], { maxConcurrency: 4 });
    expect(await simulate()).toEqual(ids.map((id) => [id]));
  });

  it('parallel: up to its maximum at once', async () => {
    const ids = await batch(
      'parallel',
      Array.from({ length: 7 }, () => ({})),
      { maxConcurrency: 3 },
    );
    expect(await simulate()).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
  });

  it('by-region: one region after the other, each in parallel up to the maximum', async () => {
    const [e1, w1, e2, w2, e3, s1] = await batch('by-region', [
      { region: 'us-east-1' },
      { region: 'eu-west-1' },
      { region: 'us-east-1' },
      { region: 'eu-west-1' },
      { region: 'us-east-1' },
      { region: 'ap-south-1' },
    ]);
    expect(await simulate()).toEqual([[e1, e2], [e3], [w1, w2], [s1]]);
  });

  it('by-resource-type: one kind of action after the other; priority picks which goes first', async () => {
    const [v1, s1, v2, s2] = await batch('by-resource-type', [
      { executor: 'delete-ebs-volume' },
      { executor: 'delete-ebs-snapshot', priority: 50 },
      { executor: 'delete-ebs-volume' },
      { executor: 'delete-ebs-snapshot', priority: 50 },
    ]);
    expect(await simulate()).toEqual([
      [s1, s2],
      [v1, v2],
    ]);
  });

  it('holds priorities first across accounts, within the per-account and global limits', async () => {
    const other = (await verifiedAccount(t.db, { name: 'other' })).id;
    await t.db.insert(executions).values(
      [
        { accountId, priority: 10 },
        { accountId, priority: 10 },
        { accountId, priority: 10 },
        { accountId: other, priority: 200 },
        { accountId: other, priority: 200 },
      ].map((e) => ({
        ...e,
        region: 'us-east-1',
        executor: 'tag-resource',
        params: {},
        requestedBy: 'system',
        dryRun: true,
        status: 'approved' as const,
        scheduledFor: start,
      })),
    );
    const ticks = await simulate({ global: 3, perAccount: 2 });
    const accountOf = new Map(
      (await t.db.select().from(executions)).map((e) => [e.id, e.accountId === accountId ? 'A' : 'B']),
    );
    // Two critical ones of A (its limit), then one low one of B fills the global limit of 3.
    expect(ticks.map((ids) => ids.map((id) => accountOf.get(id)).join(''))).toEqual(['AAB', 'AB']);
  });

  it('stops after max errors: the queued rest is cancelled, audited, and the message says so', async () => {
    const ids = await batch('parallel', [{}, {}, {}, {}, {}], { maxConcurrency: 2, maxErrors: 1 });
    const ticks = await simulate(WIDE, (id) => (id === ids[0] ? 'failed' : 'succeeded'));
    expect(ticks).toEqual([ids.slice(0, 2)]);
    const statuses = (await t.db.select().from(executions).orderBy(executions.id)).map((e) => e.status);
    expect(statuses).toEqual(['failed', 'succeeded', 'cancelled', 'cancelled', 'cancelled']);
    const b = await batchById(t.db, 'b1');
    expect(b).toMatchObject({
      stopReason: 'stopped after 1 failure',
      total: 5,
      failed: 1,
      succeeded: 1,
      cancelled: 3,
    });
    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.event, 'cancelled'));
    expect(events.map((e) => e.executionId).sort()).toEqual(ids.slice(2).sort());
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.event, 'batch_stopped'))).toHaveLength(
      1,
    );

    // One message, posted once and updated in place; the rows queued meanwhile coalesce.
    const posted: string[] = [];
    const updated: string[] = [];
    const chat = {
      post: async (_c: string, text: string) => {
        posted.push(text);
        return { channel: 'C0OPS', ts: '1700000000.000100' };
      },
      update: async (_r: unknown, text: string) => {
        updated.push(text);
      },
    } as unknown as ChatPort;
    const pending = await t.db.select().from(outbox).where(eq(outbox.kind, 'batch_progress'));
    expect(pending.length).toBeGreaterThan(1);
    const relay = new OutboxRelay(
      { db: t.db, clock, log: silentLogger, chat, operatorChannel: 'C0OPS' },
      { updateIntervalMs: 0, postIntervalMs: 0 },
    );
    await relay.drain();
    expect(posted).toEqual([
      'Batch b1: 1/5 done, 1 failed, 0 queued, 3 cancelled (stopped: stopped after 1 failure)',
    ]);
    expect(updated).toEqual([]);
    expect((await batchById(t.db, 'b1'))?.slackTs).toBe('1700000000.000100');
    // A later change updates the same message.
    await batchProgressed(deps(), 'b1');
    await relay.drain();
    expect(posted).toHaveLength(1);
    expect(updated).toHaveLength(1);
  });

  it('keeps going after failures when stop-on-failure is off', async () => {
    const ids = await batch('parallel', [{}, {}, {}], { maxConcurrency: 1, stopOnFailure: false });
    await simulate(WIDE, () => 'failed');
    const statuses = (await t.db.select().from(executions).orderBy(executions.id)).map((e) => e.status);
    expect(statuses).toEqual(ids.map(() => 'failed'));
    expect((await batchById(t.db, 'b1'))?.stoppedAt).toBeNull();
  });
});
