// The console's interruption control feeds the documented EventBridge event into the real event
// handler: in production the pool is poisoned and the alert card is posted; a pool-wide warning
// reaches every running Spot instance of that pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED } from '../../src/sandbox/seed.js';
import { startTestSandbox, type TestSandbox } from '../console/sandbox.js';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 90_000);
afterAll(() => sandbox?.close());

const interrupt = async (body: unknown) => {
  const res = await fetch(`${sandbox.url.replace('localhost', '127.0.0.1')}/console/aws/interrupt`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; result?: string; error?: string };
};

const alerts = () =>
  sandbox.workspace.messages.filter((m) => JSON.stringify(m.blocks ?? []).includes('Spot pool poisoned'));

describe('a Spot interruption warning from the console', () => {
  it('poisons the production pool of the instance and posts the alert card', async () => {
    expect(await interrupt({ account: 'sandbox-prod', instanceId: SEEDED.prodSpotWorker })).toEqual({
      ok: true,
      result: 'poisoned',
    });
    expect(alerts()).toHaveLength(1);
    expect(JSON.stringify(alerts()[0]!.blocks)).toContain('us-east-1/use1-az2/m5.large');
  });

  it('sends one warning per running Spot instance of a pool', async () => {
    const r = await interrupt({
      account: 'sandbox-prod',
      pool: { azId: 'use1-az2', instanceType: 'm5.large' },
    });
    expect(r).toEqual({ ok: true, result: 'poisoned' });
    expect(alerts()).toHaveLength(2);
  });

  it('says so when no Spot instance runs in the pool', async () => {
    const r = await interrupt({
      account: 'sandbox-prod',
      pool: { azId: 'use1-az4', instanceType: 'c5.large' },
    });
    expect(r).toMatchObject({ ok: false, error: 'no running Spot instance in that pool' });
  });
});
