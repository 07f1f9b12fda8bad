// Property: whatever a correctly signed request carries (any JSON, any action id, any value,
// any view state), the real Bolt app in HTTP mode answers in under 3 seconds, never with a 5xx,
// the process keeps running, and nothing is written for input that names nothing real.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, executions, exemptions, recommendations } from '../../src/db/schema.js';
import { ACTIONS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { interactionBody, slackPost } from '../helpers/signing.js';

const actionIds = fc.oneof(fc.constantFrom(...Object.values(ACTIONS)), fc.string({ maxLength: 40 }));
const values = fc.oneof(
  fc.constantFrom('0', '-1', '1e3', '2147483648', '99999999999999999999', '9'.repeat(300), '', ' 1', '1.5'),
  fc.bigInt({ min: 2_147_483_648n, max: 10n ** 30n }).map(String),
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 2 }),
);
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** A signed request body and its content type. */
const requests: fc.Arbitrary<{ body: string; contentType: string }> = fc.oneof(
  // Arbitrary JSON as an interactive payload.
  anyJson.map((p) => ({ body: interactionBody(p), contentType: 'application/x-www-form-urlencoded' })),
  // Arbitrary JSON as an Events API body.
  anyJson.map((p) => ({ body: JSON.stringify(p), contentType: 'application/json' })),
  // A button click with any action id and value, sometimes with parts missing or replaced.
  fc
    .record({
      actionId: actionIds,
      value: values,
      drop: fc.constantFrom(undefined, 'user', 'actions', 'channel', 'container', 'trigger_id'),
      junk: anyJson,
    })
    .map(({ actionId, value, drop, junk }) => {
      const p = buttonClick(actionId, value, { user: 'U0EVE' }) as Record<string, unknown>;
      if (drop) p[drop] = junk;
      return { body: interactionBody(p), contentType: 'application/x-www-form-urlencoded' };
    }),
  // A modal submission with any callback id, metadata and state.
  fc
    .record({
      callbackId: fc.oneof(fc.constantFrom(...Object.values(VIEWS)), fc.string({ maxLength: 30 })),
      metadata: values,
      state: anyJson,
    })
    .map(({ callbackId, metadata, state }) => ({
      body: interactionBody(viewSubmission(callbackId, metadata, state, 'U0EVE')),
      contentType: 'application/x-www-form-urlencoded',
    })),
  // Raw bytes that are not JSON at all.
  fc.string({ maxLength: 200 }).map((s) => ({
    body: `payload=${encodeURIComponent(`{${s}`)}`,
    contentType: 'application/x-www-form-urlencoded',
  })),
);

describe('the HTTP receiver under arbitrary signed requests', () => {
  let t: TestApp;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  beforeAll(async () => {
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
    await verifiedAccount(t.db.db);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUncaught);
    await t.stop();
  });

  const stateOf = async () => ({
    recommendations: await t.db.db.select().from(recommendations),
    executions: await t.db.db.select().from(executions),
    audit: await t.db.db.select().from(auditEvents),
    exemptions: await t.db.db.select().from(exemptions),
  });

  it('answers every one in under 3 s, never with a 5xx, and writes nothing', {
    timeout: 240_000,
  }, async () => {
    const before = await stateOf();
    await fc.assert(
      fc.asyncProperty(requests, async ({ body, contentType }) => {
        const started = Date.now();
        const res = await slackPost(t.url, body, { contentType });
        await res.text();
        const ms = Date.now() - started;
        expect(res.status, body.slice(0, 300)).toBeLessThan(500);
        expect(ms, body.slice(0, 300)).toBeLessThan(3000);
      }),
      { numRuns: 150, seed: 20261202 },
    );
    // Work a listener handed over after its ack has finished too.
    await t.worker.kick();
    await t.deliverOutbox();
    expect(await stateOf()).toEqual(before);
    expect(uncaught).toEqual([]);
    // Still serving.
    expect((await t.command('help')).status).toBe(200);
  });

  it('refuses a button value outside the integer range with a sentence, before PostgreSQL', async () => {
    await t.interact(buttonClick(ACTIONS.approve, '2147483648', { user: 'U0BOB' }));
    const answer = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0BOB'),
    );
    expect(answer.args.text).toMatch(/That Approve button is damaged/);
  });

  it('acks an unknown action at once instead of letting it time out', async () => {
    const started = Date.now();
    const res = await t.interact(buttonClick('some_other_apps_button', '1'));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers a signed body that is JSON null with 400 and keeps serving', async () => {
    const res = await slackPost(t.url, interactionBody(null));
    expect(res.status).toBe(400);
    expect((await t.command('help')).status).toBe(200);
  });
});
