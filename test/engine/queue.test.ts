import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { claimNext } from '../../src/engine/executions.js';
import { ManualClock, MINUTE } from '../../src/lib/clock.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('the execution queue', () => {
  let t: TestDatabase;
  const clock = new ManualClock('2026-11-24T12:00:00Z');
  beforeAll(async () => {
    t = await createTestDatabase();
    const account = await verifiedAccount(t.db);
    const row = (priority: number, minutes: number, executor: string) => ({
      accountId: account.id,
      region: 'us-east-1',
      executor,
      params: {},
      requestedBy: 'system',
      approvedBy: 'U0BOB',
      dryRun: true,
      status: 'approved' as const,
      priority,
      scheduledFor: new Date(clock.now().getTime() + minutes * MINUTE),
    });
    await t.db
      .insert(executions)
      .values([
        row(100, -10, 'normal-older'),
        row(50, -1, 'urgent'),
        row(100, -5, 'normal-newer'),
        row(10, 30, 'scheduled-later'),
      ]);
  });
  afterAll(() => t.destroy());

  const deps = () => ({ db: t.db, clock }) as unknown as Deps;

  it('hands out due work by priority, then by schedule, each item once', async () => {
    const order: string[] = [];
    for (let e = await claimNext(deps()); e; e = await claimNext(deps())) {
      order.push(e.executor);
      // Finished at once, so the per-account limit never holds the next one back.
      await t.db.update(executions).set({ status: 'succeeded' }).where(eq(executions.id, e.id));
    }
    expect(order).toEqual(['urgent', 'normal-older', 'normal-newer']);
  });

  it('keeps scheduled work until its time', async () => {
    // The workers that claimed the others finished them (else their expired leases come first).
    await t.db.update(executions).set({ status: 'succeeded' }).where(eq(executions.status, 'validating'));
    clock.advance(31 * MINUTE);
    expect((await claimNext(deps()))?.executor).toBe('scheduled-later');
  });

  it('lets only one of many concurrent workers claim an item', async () => {
    const [account] = await t.db.select().from(executions).limit(1);
    await t.db
      .insert(executions)
      .values({ ...account!, id: undefined as never, status: 'approved', executor: 'contended', attempt: 0 });
    const claims = await Promise.all(Array.from({ length: 10 }, () => claimNext(deps())));
    expect(claims.filter((c) => c?.executor === 'contended')).toHaveLength(1);
  });
});
