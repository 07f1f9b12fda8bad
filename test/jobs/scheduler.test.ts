import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import type { Deps } from '../../src/deps.js';
import { jobs } from '../../src/jobs/index.js';
import { type Job, runJob } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/lib/logger.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase, testDbKind } from '../helpers/db.js';

describe('scheduled jobs', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  const deps = () => ({ database: t, db: t.db, log: silentLogger }) as unknown as Deps;

  it('run at most once at a time: a second run while the first holds the lock is skipped', async () => {
    let release!: () => void;
    let runs = 0;
    const job: Job = {
      name: 'slow',
      schedule: '* * * * *',
      run: async () => {
        runs += 1;
        await new Promise<void>((r) => {
          release = r;
        });
        return 'done';
      },
    };
    const first = runJob(deps(), job);
    await new Promise((r) => setTimeout(r, 50));
    expect(await runJob(deps(), job)).toEqual({ ran: false, reason: 'locked' });
    release();
    expect(await first).toEqual({ ran: true, summary: 'done' });
    expect(runs).toBe(1);
    // Free again once the first run is over.
    const again = runJob(deps(), job);
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect(await again).toEqual({ ran: true, summary: 'done' });
  });

  it.runIf(testDbKind === 'postgres')(
    'also across replicas: another connection pool cannot take the lock',
    async () => {
      // Two "replicas" on the same database, each with its own connection pool.
      const other = await openDatabase({ url: t.url! });
      try {
        let release!: () => void;
        const held = t.withAdvisoryLock('spotops:job:shared', () => new Promise<void>((r) => (release = r)));
        await new Promise((r) => setTimeout(r, 50));
        expect(await other.withAdvisoryLock('spotops:job:shared', async () => 'ran')).toEqual({
          acquired: false,
        });
        release();
        await held;
        expect(await other.withAdvisoryLock('spotops:job:shared', async () => 'ran')).toEqual({
          acquired: true,
          value: 'ran',
        });
      } finally {
        await other.close();
      }
    },
  );

  it('report a failure without throwing', async () => {
    const job: Job = {
      name: 'broken',
      schedule: '* * * * *',
      run: async () => Promise.reject(new Error('boom')),
    };
    expect(await runJob(deps(), job)).toMatchObject({ ran: false, reason: 'failed' });
  });

  it('take their schedules from configuration', () => {
    const table = jobs(testConfig({ CRON_WASTE_SCAN: '0 7 * * *' }), { kick: () => {} });
    expect(Object.fromEntries(table.map((j) => [j.name, j.schedule]))).toMatchObject({
      'waste-scan': '0 7 * * *',
      'shadow-scan': '15 * * * *',
      'grace-expiry': '*/5 * * * *',
      'pool-expiry': '*/10 * * * *',
      digest: '0 9 * * *',
    });
  });
});
