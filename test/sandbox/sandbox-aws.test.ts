// The sandbox's AWS side through the console's controls. The interruption control feeds the
// documented EventBridge event into the real event handler: in production the pool is poisoned and
// the alert card is posted; a pool-wide warning reaches every running Spot instance of that pool.
// A change in the simulated account is what the next scan sees.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommendations } from '../../src/db/schema.js';
import { SEEDED } from '../../src/sandbox/seed.js';
import { startTestSandbox, type TestSandbox } from '../console/sandbox.js';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 90_000);
afterAll(() => sandbox?.close());

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${sandbox.url.replace('localhost', '127.0.0.1')}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; result?: string; error?: string };
};
const interrupt = (body: unknown) => post('/console/aws/interrupt', body);

// Messages reach the console through the outbox relay (paced per channel), as they reach Slack.
const WAIT = { timeout: 30_000 };

const alerts = () =>
  sandbox.workspace.messages.filter((m) => JSON.stringify(m.blocks ?? []).includes('Spot pool poisoned'));

describe('a Spot interruption warning from the console', () => {
  it('poisons the production pool of the instance and posts the alert card', async () => {
    expect(await interrupt({ account: 'sandbox-prod', instanceId: SEEDED.prodSpotWorker })).toEqual({
      ok: true,
      result: 'poisoned',
    });
    await expect.poll(() => alerts().length, WAIT).toBe(1);
    expect(JSON.stringify(alerts()[0]!.blocks)).toContain('us-east-1/use1-az2/m5.large');
  });

  it('sends one warning per running Spot instance of a pool', async () => {
    const r = await interrupt({
      account: 'sandbox-prod',
      pool: { azId: 'use1-az2', instanceType: 'm5.large' },
    });
    expect(r).toEqual({ ok: true, result: 'poisoned' });
    await expect.poll(() => alerts().length, WAIT).toBe(2);
  });

  it('says so when no Spot instance runs in the pool', async () => {
    const r = await interrupt({
      account: 'sandbox-prod',
      pool: { azId: 'use1-az4', instanceType: 'c5.large' },
    });
    expect(r).toMatchObject({ ok: false, error: 'no running Spot instance in that pool' });
  });
});

describe('the next scan', () => {
  it('sees what changed in the simulated account and resolves the card', async () => {
    const stored = async () =>
      (
        await sandbox.db.db
          .select()
          .from(recommendations)
          .where(eq(recommendations.resourceId, 'eipalloc-0b5b0000000000001'))
      )[0];
    // The first scan's card is delivered by the relay: wait for its ts.
    await expect.poll(async () => (await stored())?.slackTs ?? null, WAIT).not.toBeNull();
    const rec = await stored();
    expect(rec?.status).toBe('posted');
    // Someone releases the production address outside spotops.
    const prod = sandbox.aws.sim.region('111100002222', 'us-east-1');
    prod.addresses = prod.addresses.filter((a) => a.AllocationId !== 'eipalloc-0b5b0000000000001');
    const card = sandbox.workspace.messages.find((m) => m.ts === rec!.slackTs)!;
    const updatesBefore = card.updates;
    expect(await post('/console/aws/scan', {})).toMatchObject({
      ok: true,
      result: expect.stringContaining('1 resolved'),
    });
    const [after] = await sandbox.db.db.select().from(recommendations).where(eq(recommendations.id, rec!.id));
    expect(after!.status).toBe('resolved');
    await expect.poll(() => card.updates, WAIT).toBeGreaterThan(updatesBefore);
  });
});
