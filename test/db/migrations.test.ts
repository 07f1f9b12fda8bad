import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { auditEvents } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase, testDbKind } from '../helpers/db.js';

describe(`migrations on ${testDbKind}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it('create every table of the data model', async () => {
    const rows = await t.db.execute<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    const names = (Array.isArray(rows) ? rows : (rows as { rows: { table_name: string }[] }).rows).map(
      (r) => r.table_name,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'accounts',
        'recommendations',
        'executions',
        'audit_events',
        'execution_steps',
        'spot_pool_risk',
        'pool_events',
        'spot_prices',
        'price_gaps',
        'risk_models',
        'instances',
      ]),
    );
  });

  it('apply a second time as a no-op', async () => {
    await expect(migrate(t)).resolves.toBeUndefined();
  });

  it('make audit_events refuse UPDATE and DELETE', async () => {
    await t.db.insert(auditEvents).values({ actor: 'system', event: 'found' });
    await expect(t.db.update(auditEvents).set({ event: 'rewritten' })).rejects.toThrow();
    await expect(t.db.delete(auditEvents)).rejects.toThrow();
    const rows = await t.db.select().from(auditEvents);
    expect(rows.map((r) => r.event)).toEqual(['found']);
  });
});
