import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, auditEvents, outbox, recommendations } from '../../src/db/schema.js';
import { audit } from '../../src/engine/audit.js';
import { transitionRecommendation } from '../../src/engine/transition.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createWebClient, SlackNotifier } from '../../src/slack/notifier.js';
import { OutboxRelay } from '../../src/slack/relay.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { FakeSlack } from '../helpers/fake-slack.js';

describe('the audit trail', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let relay: OutboxRelay;
  const clock = new ManualClock('2026-11-24T12:00:00Z');
  let recId: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await FakeSlack.start();
    const chat = new SlackNotifier(createWebClient('xoxb-test', slack.apiUrl));
    relay = new OutboxRelay(
      { db: t.db, clock, log: silentLogger, chat, operatorChannel: 'C0OPS' },
      { postIntervalMs: 0, updateIntervalMs: 0 },
    );
    const [account] = await t.db
      .insert(accounts)
      .values({ name: 'web', externalId: 'e'.repeat(32), createdBy: 'U1' })
      .returning();
    const [rec] = await t.db
      .insert(recommendations)
      .values({
        fingerprint: 'f1',
        kind: 'unassociated-elastic-ips',
        executor: 'release-elastic-ip',
        accountId: account!.id,
        region: 'us-east-1',
        resourceId: 'eipalloc-1',
        title: 'EIP',
        params: {},
        evidence: {},
        slackChannel: 'C0OPS',
        slackTs: '1.000001',
      })
      .returning();
    recId = rec!.id;
  });
  afterAll(async () => {
    await slack.stop();
    await t.destroy();
  });

  it('writes the row and the thread reply together without calling Slack; the relay posts it and keeps its ts', async () => {
    const row = await audit(
      { db: t.db, log: silentLogger },
      { actor: 'U0BOB', event: 'approved', message: 'Approved by <@U0BOB>', recommendationId: recId },
    );
    expect(slack.calls).toHaveLength(0);
    expect(row).toMatchObject({
      actor: 'U0BOB',
      event: 'approved',
      recommendationId: recId,
      detail: { message: 'Approved by <@U0BOB>' },
    });
    await relay.drain();
    const [reply] = slack.callsOf('chat.postMessage');
    expect(reply!.args).toMatchObject({
      channel: 'C0OPS',
      thread_ts: '1.000001',
      text: 'Approved by <@U0BOB>',
    });
    const [queued] = await t.db
      .select()
      .from(outbox)
      .where(sql`${outbox.payload}->>'auditId' = ${String(row.id)}`);
    expect(queued).toMatchObject({ kind: 'reply', status: 'delivered' });
    expect(queued!.resultTs).toMatch(/^\d+\.\d+$/);
  });

  it('writes nothing at all when the surrounding transaction rolls back', async () => {
    const before = (await t.db.select().from(auditEvents)).length;
    await expect(
      t.db.transaction(async (tx) => {
        await audit(
          { db: tx, log: silentLogger },
          { actor: 'system', event: 'validating', message: 'Validating...', recommendationId: recId },
        );
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await t.db.select().from(auditEvents)).toHaveLength(before);
    expect(await t.db.select().from(outbox).where(eq(outbox.status, 'pending'))).toHaveLength(0);
  });

  it('still writes the row when Slack is down; the reply waits in the outbox', async () => {
    const row = await audit(
      { db: t.db, log: silentLogger },
      { actor: 'system', event: 'validating', message: 'Validating...', recommendationId: recId },
    );
    expect(row.event).toBe('validating');
    expect(await t.db.select().from(outbox).where(eq(outbox.status, 'pending'))).toHaveLength(1);
    await relay.drain();
  });

  it('waits out a Slack rate limit for as long as Retry-After says, then delivers', async () => {
    slack.reset();
    slack.rateLimit('chat.postMessage', 1);
    await audit(
      { db: t.db, log: silentLogger },
      { actor: 'system', event: 'executed', message: 'Released', recommendationId: recId },
    );
    await relay.drain();
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage:429']);
    clock.advance(1000);
    await relay.drain();
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage:429', 'chat.postMessage']);
  });
});

describe('guarded transitions', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it('let exactly one of many concurrent actors win', async () => {
    const [account] = await t.db
      .insert(accounts)
      .values({ name: 'a', externalId: 'e'.repeat(32), createdBy: 'U1' })
      .returning();
    const [rec] = await t.db
      .insert(recommendations)
      .values({
        fingerprint: 'f',
        kind: 'k',
        executor: 'x',
        accountId: account!.id,
        region: 'r',
        resourceId: 'i',
        title: 't',
        params: {},
        evidence: {},
        status: 'posted',
      })
      .returning();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => transitionRecommendation(t.db, rec!.id, ['posted'], 'approved')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await transitionRecommendation(t.db, rec!.id, ['posted'], 'approved')).toBeNull();
  });
});
