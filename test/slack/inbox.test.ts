// The click inbox (issue 9): a decision click is stored before the ack and taken after it; a
// stored click a dead process left behind is replayed once its claim lapses, or answered when it
// is too old to act on; a decision never happens twice.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, interactionInbox, recommendations } from '../../src/db/schema.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { WebDirectory } from '../../src/slack/directory.js';
import { ACTIONS, INPUTS, VIEWS } from '../../src/slack/ids.js';
import { ClickInbox, INBOX_LEASE_MS, REPLAY_MAX_AGE_MS } from '../../src/slack/inbox.js';
import { actionHandlers } from '../../src/slack/listeners/actions.js';
import { viewInboxHandlers, viewInboxKey } from '../../src/slack/listeners/views.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';

describe('decision clicks through the inbox', () => {
  let t: TestApp;
  let clock: ManualClock;
  let recIds: number[];

  beforeEach(async () => {
    t = await startTestApp();
    clock = t.clock as ManualClock;
    const account = await verifiedAccount(t.db.db);
    const rows = await t.db.db
      .insert(recommendations)
      .values(
        [0, 1].map((i) => ({
          fingerprint: `eip-${i}`,
          kind: 'unassociated-elastic-ips',
          executor: 'release-elastic-ip',
          accountId: account.id,
          region: 'us-east-1',
          resourceId: `eipalloc-${i}`,
          title: `Elastic IP ${i}`,
          params: { allocationId: `eipalloc-${i}` },
          evidence: { publicIp: '52.1.2.3', allocationId: `eipalloc-${i}` },
          monthlySavingsUsd: 3.65,
          status: 'posted' as const,
          slackChannel: 'C0OPS',
          slackTs: '1767225600.000001',
        })),
      )
      .returning({ id: recommendations.id });
    recIds = rows.map((r) => r.id);
  });
  afterEach(() => t.stop());

  const inbox = () =>
    new ClickInbox(
      { deps: t.deps, directory: new WebDirectory(t.app.client, t.deps.clock), kick: () => {} },
      { ...actionHandlers, ...viewInboxHandlers },
      t.lane,
    );
  const statusOf = async (id: number) =>
    (await t.db.db.select().from(recommendations).where(eq(recommendations.id, id)))[0]!.status;
  const ignoredAudits = async (id: number) =>
    (await t.db.db.select().from(auditEvents).where(eq(auditEvents.recommendationId, id))).filter(
      (a) => a.event === 'ignored',
    ).length;
  const ephemeralTexts = () => t.slack.callsOf('chat.postEphemeral').map((c) => String(c.args.text));

  /** A click stored by a process that died before deciding it. */
  async function orphaned(recId: number, receivedAt: Date) {
    const [row] = await t.db.db
      .insert(interactionInbox)
      .values({
        actionId: ACTIONS.ignore,
        click: { user: 'U0BOB', channel: 'C0OPS', value: String(recId), triggerId: 'expired' },
        receivedAt,
        claimedUntil: new Date(receivedAt.getTime() + INBOX_LEASE_MS),
      })
      .returning();
    return row!;
  }

  it('stores an Ignore click, acks it, then takes the decision and marks the stored click done', async () => {
    const res = await t.interact(buttonClick(ACTIONS.ignore, String(recIds[0])));
    expect(res.status).toBe(200);
    expect(await statusOf(recIds[0]!)).toBe('ignored');
    const [row] = await t.db.db.select().from(interactionInbox);
    expect(row).toMatchObject({ actionId: ACTIONS.ignore, outcome: 'done', attempts: 1 });
    expect(row!.click).toMatchObject({ user: 'U0BOB', channel: 'C0OPS', value: String(recIds[0]) });
    expect(row!.processedAt).not.toBeNull();
  });

  it('leaves a stored click alone while its process still holds it', async () => {
    await orphaned(recIds[0]!, clock.now());
    expect(await inbox().replay()).toBe(0);
    expect(await statusOf(recIds[0]!)).toBe('posted');
  });

  it('replays a click whose process died once the claim lapses, and decides it exactly once', async () => {
    const row = await orphaned(recIds[0]!, clock.now());
    clock.advance(INBOX_LEASE_MS + 1000);
    expect(await inbox().replay()).toBe(1);
    expect(await statusOf(recIds[0]!)).toBe('ignored');
    expect(await ignoredAudits(recIds[0]!)).toBe(1);
    const [after] = await t.db.db.select().from(interactionInbox).where(eq(interactionInbox.id, row.id));
    expect(after).toMatchObject({ outcome: 'done', attempts: 2 });
    // Nothing is left to replay, and the decision is not taken again.
    clock.advance(INBOX_LEASE_MS + 1000);
    expect(await inbox().replay()).toBe(0);
    expect(await ignoredAudits(recIds[0]!)).toBe(1);
  });

  it('answers a replayed click whose decision had committed with "already" instead of deciding again', async () => {
    await t.interact(buttonClick(ACTIONS.ignore, String(recIds[0])));
    // The process died after the decision committed but before the click was marked done.
    await t.db.db.update(interactionInbox).set({ processedAt: null, outcome: null });
    clock.advance(INBOX_LEASE_MS + 1000);
    expect(await inbox().replay()).toBe(1);
    expect(await ignoredAudits(recIds[0]!)).toBe(1);
    await t.deliverOutbox();
    expect(ephemeralTexts().some((m) => m.includes('Already ignored'))).toBe(true);
  });

  it('does not act on a stored click too old to act on, and tells the clicker to click again', async () => {
    const receivedAt = clock.now();
    await orphaned(recIds[1]!, receivedAt);
    clock.advance(REPLAY_MAX_AGE_MS + 60_000);
    expect(await inbox().replay()).toBe(1);
    expect(await statusOf(recIds[1]!)).toBe('posted');
    const [row] = await t.db.db.select().from(interactionInbox);
    expect(row!.outcome).toBe('expired');
    await t.deliverOutbox();
    const told = ephemeralTexts().find((m) => m.includes('too old to act on'));
    expect(told).toContain(`${receivedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    expect(told).toContain('Click again');
  });

  it('gives up on a click that keeps failing after three tries and says nothing was changed', async () => {
    const failing = new ClickInbox(
      { deps: t.deps, directory: new WebDirectory(t.app.client, t.deps.clock), kick: () => {} },
      {
        [ACTIONS.ignore]: async () => {
          throw new Error('connection reset');
        },
      },
      t.lane,
    );
    await orphaned(recIds[0]!, clock.now()); // the first try: its process died
    for (let i = 0; i < 2; i++) {
      clock.advance(INBOX_LEASE_MS + 1000);
      expect(await failing.replay()).toBe(1);
    }
    const [row] = await t.db.db.select().from(interactionInbox);
    expect(row).toMatchObject({ outcome: 'failed', attempts: 3 });
    clock.advance(INBOX_LEASE_MS + 1000);
    expect(await failing.replay()).toBe(0);
    await t.deliverOutbox();
    expect(ephemeralTexts().some((m) => m.includes('could not act on your click after several tries'))).toBe(
      true,
    );
    expect(await statusOf(recIds[0]!)).toBe('posted');
  });

  it('acks a click it could not store and tells the clicker at once that nothing changed', async () => {
    await t.db.db.execute('alter table interaction_inbox rename to interaction_inbox_gone' as never);
    const responseUrl = t.slack.responseUrl('lost-click');
    const res = await t.interact(buttonClick(ACTIONS.ignore, String(recIds[0]), { responseUrl }));
    expect(res.status).toBe(200);
    const answer = await t.slack.waitFor(() =>
      t.slack.calls.find((c) => c.method === 'response_url' && c.args.path === '/respond/lost-click'),
    );
    expect(answer.args.text).toContain('could not record your click');
    expect(answer.args.text).not.toMatch(/relation|interaction_inbox/);
    expect(await statusOf(recIds[0]!)).toBe('posted');
    await t.db.db.execute('alter table interaction_inbox_gone rename to interaction_inbox' as never);
  });

  describe('modal submissions', () => {
    const exemptValues = {
      [INPUTS.reason.block]: {
        [INPUTS.reason.action]: { type: 'plain_text_input', value: 'vendor appliance, cannot be tagged' },
      },
      [INPUTS.expiry.block]: { [INPUTS.expiry.action]: { type: 'number_input', value: '30' } },
    };
    async function shadowRec() {
      const [row] = await t.db.db
        .insert(recommendations)
        .values({
          fingerprint: 'shadow-1',
          kind: 'unauthorized-instances',
          executor: 'terminate-instance',
          accountId: (await t.db.db.select().from(recommendations))[0]!.accountId,
          region: 'us-east-1',
          resourceId: 'i-0000000000000003c',
          title: 'Untagged instance',
          params: { instanceId: 'i-0000000000000003c' },
          evidence: { instanceType: 't3.large', missingTags: ['ManagedBy'] },
          monthlySavingsUsd: 60,
          status: 'posted' as const,
          slackChannel: 'C0OPS',
          slackTs: '1767225600.000002',
        })
        .returning({ id: recommendations.id });
      return row!.id;
    }

    it('stores a valid Exempt form before the ack and takes it after', async () => {
      const id = await shadowRec();
      const res = await t.interact(viewSubmission(VIEWS.exempt, String(id), exemptValues));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      expect(await statusOf(id)).toBe('exempted');
      const [row] = await t.db.db.select().from(interactionInbox);
      expect(row).toMatchObject({ actionId: viewInboxKey(VIEWS.exempt), outcome: 'done' });
    });

    it('keeps an invalid form open with its errors and stores nothing', async () => {
      const id = await shadowRec();
      const res = await t.interact(
        viewSubmission(VIEWS.exempt, String(id), {
          ...exemptValues,
          [INPUTS.reason.block]: { [INPUTS.reason.action]: { type: 'plain_text_input', value: '' } },
        }),
      );
      expect(JSON.parse(await res.text())).toMatchObject({ response_action: 'errors' });
      expect(await t.db.db.select().from(interactionInbox)).toHaveLength(0);
      expect(await statusOf(id)).toBe('posted');
    });

    it('replays a stored form whose process died, validating it again', async () => {
      const id = await shadowRec();
      await t.db.db.insert(interactionInbox).values({
        actionId: viewInboxKey(VIEWS.exempt),
        click: { user: 'U0BOB', value: JSON.stringify({ id, values: exemptValues }) },
        receivedAt: clock.now(),
        claimedUntil: new Date(clock.now().getTime() + INBOX_LEASE_MS),
      });
      clock.advance(INBOX_LEASE_MS + 1000);
      expect(await inbox().replay()).toBe(1);
      expect(await statusOf(id)).toBe('exempted');
    });
  });
});
