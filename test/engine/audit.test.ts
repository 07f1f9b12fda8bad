import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, auditEvents, recommendations } from '../../src/db/schema.js';
import { audit } from '../../src/engine/audit.js';
import { transitionRecommendation } from '../../src/engine/transition.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createWebClient, SlackNotifier } from '../../src/slack/notifier.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { FakeSlack } from '../helpers/fake-slack.js';

describe('the audit trail', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let notifier: SlackNotifier;
  let recId: number;
  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await FakeSlack.start();
    notifier = new SlackNotifier(createWebClient('xoxb-test', slack.apiUrl));
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

  it('writes the row and posts the same fact in the card thread, keeping the reply ts', async () => {
    const row = await audit(
      { db: t.db, log: silentLogger, notifier },
      { actor: 'U0BOB', event: 'approved', message: 'Approved by <@U0BOB>', recommendationId: recId },
    );
    const [reply] = slack.callsOf('chat.postMessage');
    expect(reply!.args).toMatchObject({
      channel: 'C0OPS',
      thread_ts: '1.000001',
      text: 'Approved by <@U0BOB>',
    });
    expect(row).toMatchObject({
      actor: 'U0BOB',
      event: 'approved',
      recommendationId: recId,
      detail: { message: 'Approved by <@U0BOB>' },
    });
    expect(row.slackTs).toMatch(/^\d+\.\d+$/);
  });

  it('still writes the row when Slack is down', async () => {
    const broken = new SlackNotifier(createWebClient('xoxb-test', 'http://127.0.0.1:9/api/'));
    const deps = {
      db: t.db,
      log: silentLogger,
      notifier: { ...broken, reply: () => Promise.reject(new Error('ECONNREFUSED')) } as never,
    };
    const row = await audit(deps, {
      actor: 'system',
      event: 'validating',
      message: 'Validating...',
      recommendationId: recId,
    });
    expect(row.slackTs).toBeNull();
    expect((await t.db.select().from(auditEvents)).map((r) => r.event)).toEqual(['approved', 'validating']);
  });

  it('waits out Slack rate limits and retries', async () => {
    slack.reset();
    slack.rateLimit('chat.postMessage', 1);
    await audit(
      { db: t.db, log: silentLogger, notifier },
      { actor: 'system', event: 'executed', message: 'Released', recommendationId: recId },
    );
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
