// Durable step runs: leases, takeover, steps that never run twice, the heartbeat, compensation.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stepsOf } from '../../src/db/queries/execution-steps.js';
import { executions } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { claimNext, workerLease } from '../../src/engine/executions.js';
import { DbStepJournal, ExecutionLease, type LeaseSettings } from '../../src/engine/step-journal.js';
import { InterruptedStepError, LeaseLostError } from '../../src/executors/steps.js';
import { ManualClock } from '../../src/lib/clock.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('durable step runs', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let execId: number;
  const leases: ExecutionLease[] = [];
  const deps = () => ({ db: t.db, clock }) as unknown as Deps;
  const worker = (owner: string, o: Partial<LeaseSettings> = {}) =>
    workerLease({ owner, leaseMs: 15_000, heartbeatMs: 5_000, ...o });
  const journalFor = (settings: LeaseSettings, resumed = false) => {
    const lease = new ExecutionLease(t.db, clock, execId, settings);
    leases.push(lease);
    return { lease, journal: new DbStepJournal(t.db, clock, lease, resumed) };
  };

  beforeEach(async () => {
    t = await createTestDatabase();
    clock = new ManualClock('2026-11-24T12:00:00Z');
    const account = await verifiedAccount(t.db);
    const [row] = await t.db
      .insert(executions)
      .values({
        accountId: account.id,
        region: 'us-east-1',
        executor: 'delete-ebs-volume',
        params: { volumeId: 'vol-1' },
        requestedBy: 'U0BOB',
        approvedBy: 'U0BOB',
        dryRun: false,
        status: 'approved',
        scheduledFor: clock.now(),
      })
      .returning();
    execId = row!.id;
  });
  afterEach(async () => {
    for (const l of leases.splice(0)) l.stop();
    await t.destroy();
  });

  it('lets a second worker take over only once the first worker lease has expired', async () => {
    const a = worker('worker-a');
    const b = worker('worker-b');
    expect(await claimNext(deps(), a)).toMatchObject({
      id: execId,
      status: 'validating',
      leaseOwner: 'worker-a',
    });
    expect(await claimNext(deps(), b)).toBeNull();
    clock.advance(14_000);
    expect(await claimNext(deps(), b)).toBeNull();
    clock.advance(2_000);
    const taken = await claimNext(deps(), b);
    expect(taken).toMatchObject({
      id: execId,
      leaseOwner: 'worker-b',
      attempt: 2,
      takeover: { from: 'worker-a', status: 'validating' },
    });
    // The first worker, back from a long pause, may not start anything any more.
    const { journal } = journalFor(a);
    let ran = false;
    await expect(
      journal.run({
        name: 'snapshot',
        run: async () => {
          ran = true;
        },
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(ran).toBe(false);
  });

  it('lets exactly one of many workers take over an expired lease', async () => {
    await claimNext(deps(), worker('worker-a'));
    clock.advance(16_000);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimNext(deps(), worker(`w${i}`))));
    expect(claims.filter((c) => c?.id === execId)).toHaveLength(1);
  });

  it('never runs a done step again: the worker that takes over replays its recorded output', async () => {
    const a = worker('worker-a');
    await claimNext(deps(), a);
    const runs: string[] = [];
    const launch = (who: string) => ({
      name: 'launch-clone',
      run: async (again: boolean) => {
        runs.push(`${who}:${again}`);
        return { cloneId: 'i-0clone' };
      },
    });
    const first = journalFor(a).journal;
    expect(await first.run(launch('a'))).toEqual({ cloneId: 'i-0clone' });
    // Worker a starts the next step and dies inside it: the row stays "running".
    const attach = (who: string) => ({
      name: 'attach',
      run: async (again: boolean) => {
        runs.push(`${who}:attach:${again}`);
        if (who === 'a') await new Promise(() => {}); // never returns: the crash
      },
    });
    void first.run(attach('a'));
    await waitUntil(async () => (await stepsOf(t.db, execId)).some((s) => s.name === 'attach'));

    clock.advance(16_000);
    const b = worker('worker-b');
    expect((await claimNext(deps(), b))?.takeover?.from).toBe('worker-a');
    const second = journalFor(b, true).journal;
    expect(await second.run(launch('b'))).toEqual({ cloneId: 'i-0clone' });
    await second.run(attach('b'));
    expect(runs).toEqual(['a:false', 'a:attach:false', 'b:attach:true']);
    const steps = await stepsOf(t.db, execId);
    expect(steps.map((s) => [s.name, s.status, s.attempt, s.owner])).toEqual([
      ['launch-clone', 'done', 1, 'worker-a'],
      ['attach', 'done', 2, 'worker-b'],
    ]);
  });

  it('keeps the lease of a step that runs far longer than the lease, through the heartbeat', async () => {
    const a = worker('worker-a', { heartbeatMs: 20 });
    await claimNext(deps(), a);
    const { lease, journal } = journalFor(a);
    lease.startHeartbeat((err) => {
      throw err;
    });
    const expiry = async () =>
      (await t.db.select().from(executions).where(eq(executions.id, execId)))[0]!.leaseExpiresAt!.getTime();
    await journal.run({
      name: 'wait-snapshot',
      run: async () => {
        // 50 s of (manual) time pass during the step, more than three leases; the heartbeat renews
        // it each time (to now + 15 s) before it runs out.
        for (let i = 0; i < 5; i++) {
          clock.advance(10_000);
          await waitUntil(async () => (await expiry()) >= clock.now().getTime() + 15_000);
          expect(await claimNext(deps(), worker('worker-b'))).toBeNull();
        }
      },
    });
    expect((await stepsOf(t.db, execId))[0]).toMatchObject({ status: 'done', owner: 'worker-a' });
    expect(lease.lost).toBe(false);
  });

  it('compensates instead of resuming: undoes the done steps newest first, each once', async () => {
    const a = worker('worker-a');
    await claimNext(deps(), a);
    const undone: string[] = [];
    const steps = [
      {
        name: 'launch-clone',
        run: async () => 'i-0clone',
        compensate: async (id: string) => `terminated ${id}`,
      },
      { name: 'attach', run: async () => 'web', compensate: async (g: string) => `detached from ${g}` },
    ].map((s) => ({
      ...s,
      compensate: async (out: string) => {
        const said = await s.compensate(out);
        undone.push(said);
        return said;
      },
    }));
    const first = journalFor(a).journal;
    for (const s of steps) await first.run(s);

    clock.advance(16_000);
    const b = worker('worker-b');
    await claimNext(deps(), b);
    const second = journalFor(b, true).journal;
    second.refuseUnfinished = true;
    for (const s of steps) await second.run(s); // replayed: registers their compensations
    await expect(second.run({ name: 'detach-old', run: async () => undefined })).rejects.toBeInstanceOf(
      InterruptedStepError,
    );
    expect(await second.compensate()).toEqual(['detached from web', 'terminated i-0clone']);

    // A third worker replaying the same run finds the undo steps done: nothing is undone twice.
    clock.advance(16_000);
    const c = worker('worker-c');
    await claimNext(deps(), c);
    const third = journalFor(c, true).journal;
    for (const s of steps) await third.run(s);
    expect(await third.compensate()).toEqual(['detached from web', 'terminated i-0clone']);
    expect(undone).toEqual(['detached from web', 'terminated i-0clone']);
  });

  it('refuses to repeat a step that says re-running it is unsafe', async () => {
    const a = worker('worker-a');
    await claimNext(deps(), a);
    void journalFor(a).journal.run({ name: 'drain', resumable: false, run: () => new Promise(() => {}) });
    await waitUntil(async () => (await stepsOf(t.db, execId)).length === 1);
    clock.advance(16_000);
    const b = worker('worker-b');
    await claimNext(deps(), b);
    let ran = false;
    await expect(
      journalFor(b, true).journal.run({
        name: 'drain',
        resumable: false,
        run: async () => {
          ran = true;
        },
      }),
    ).rejects.toBeInstanceOf(InterruptedStepError);
    expect(ran).toBe(false);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
