// The outbox relay against a recording chat port: order per channel, a card before its
// replies, Slack's per-channel pace, one render per card however many changes were queued,
// one actionable notice for a permanent error, and few messages for a large first scan.
import { ErrorCode } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Account, outbox, recommendations } from '../../src/db/schema.js';
import { audit } from '../../src/engine/audit.js';
import { cardChanged, enqueueFile, enqueuePost } from '../../src/engine/outbox.js';
import { publishScanResults } from '../../src/engine/publish.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { ChatPort, MessageRef, UploadFile } from '../../src/ports.js';
import { OutboxRelay, type RelayOptions } from '../../src/slack/relay.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** A chat port that records every call, and fails the ones `fail` picks. */
class RecordingChat implements ChatPort {
  calls: { method: string; channel: string; text?: string; thread?: string; ts?: string }[] = [];
  fail: ((method: string, channel: string) => unknown) | undefined;
  #seq = 0;
  #check(method: string, channel: string) {
    const err = this.fail?.(method, channel);
    if (err) throw err;
  }
  async post(channel: string, text: string): Promise<MessageRef> {
    this.#check('post', channel);
    const ts = `1.${++this.#seq}`;
    this.calls.push({ method: 'post', channel, text, ts });
    return { channel, ts };
  }
  async update(ref: MessageRef, text: string): Promise<void> {
    this.#check('update', ref.channel);
    this.calls.push({ method: 'update', channel: ref.channel, ts: ref.ts, text });
  }
  async reply(thread: MessageRef, text: string): Promise<MessageRef> {
    this.#check('reply', thread.channel);
    const ts = `1.${++this.#seq}`;
    this.calls.push({ method: 'reply', channel: thread.channel, thread: thread.ts, text, ts });
    return { channel: thread.channel, ts };
  }
  async ephemeral(channel: string, _user: string, text: string): Promise<void> {
    this.calls.push({ method: 'ephemeral', channel, text });
  }
  files: { channel: string; filename: string; content: string | Buffer; comment?: string }[] = [];
  async uploadFile(channel: string, file: UploadFile): Promise<void> {
    this.#check('file', channel);
    this.calls.push({ method: 'file', channel, text: file.comment });
    this.files.push({ channel, ...file });
  }
  async publishHome(): Promise<void> {}
  async openModal(): Promise<void> {}
  of(method: string) {
    return this.calls.filter((c) => c.method === method);
  }
}

const platformError = (error: string) =>
  Object.assign(new Error(error), { code: ErrorCode.PlatformError, data: { ok: false, error } });

describe('the outbox relay', () => {
  let db: TestDatabase;
  let chat: RecordingChat;
  let clock: ManualClock;
  let account: Account;
  const relayWith = (opts: RelayOptions = { postIntervalMs: 0, updateIntervalMs: 0 }) =>
    new OutboxRelay({ db: db.db, clock, log: silentLogger, chat, operatorChannel: 'C0OPS' }, opts);
  const config = { SPOTOPS_CHANNEL: 'C0OPS' };

  async function findings(n: number, kind: string, region = 'us-east-1') {
    await db.db.insert(recommendations).values(
      Array.from({ length: n }, (_, i) => ({
        fingerprint: `${kind}-${region}-${i}`,
        kind,
        executor: kind === 'unauthorized-instances' ? 'terminate-instance' : 'release-elastic-ip',
        accountId: account.id,
        region,
        resourceId: `${kind}-${i}`,
        title: `${kind} ${i}`,
        params: {},
        evidence: {
          publicIp: '10.0.0.1',
          allocationId: `eipalloc-${i}`,
          instanceType: 't3.large',
          missingTags: ['Owner'],
        },
        monthlySavingsUsd: 1,
      })),
    );
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    chat = new RecordingChat();
    clock = new ManualClock('2026-11-24T12:00:00Z');
    account = await verifiedAccount(db.db, { slackChannel: 'C0WEB' });
  });
  afterEach(() => db.destroy());

  it('posts a first scan of thousands of findings in fewer than 100 messages: one card and one summary per group', async () => {
    await findings(1500, 'unassociated-elastic-ips');
    await findings(600, 'unattached-ebs-volumes', 'eu-west-1');
    await findings(900, 'unauthorized-instances');
    await publishScanResults({ db: db.db, log: silentLogger, config });
    await relayWith().drain();
    const messages = chat.of('post').length + chat.of('reply').length;
    expect(messages).toBeLessThan(100);
    expect(chat.of('post')).toHaveLength(3);
    expect(
      chat
        .of('reply')
        .map((r) => r.text)
        .sort(),
    ).toEqual([
      'Found 1500 unassociated Elastic IPs ($1500.00/month).',
      'Found 600 unattached EBS volumes ($600.00/month).',
      'Found 900 untagged instances ($900.00/month).',
    ]);
    // Each reply went to the thread of its own card, after the card.
    for (const r of chat.of('reply')) expect(chat.of('post').map((p) => p.ts)).toContain(r.thread);
    const unposted = await db.db.select().from(recommendations).where(eq(recommendations.status, 'open'));
    expect(unposted).toEqual([]);
  });

  it('re-renders each affected card once per run, however many of its findings changed', async () => {
    await findings(40, 'unassociated-elastic-ips');
    await findings(30, 'unauthorized-instances');
    await publishScanResults({ db: db.db, log: silentLogger, config });
    await relayWith().drain();
    chat.calls = [];
    // The next run: 25 findings of one card and 10 of the other went away, 5 new ones joined.
    const gone = await db.db.select().from(recommendations);
    const resolved = [
      ...gone.filter((r) => r.kind === 'unassociated-elastic-ips').slice(0, 25),
      ...gone.filter((r) => r.kind === 'unauthorized-instances').slice(0, 10),
    ];
    for (const r of resolved) {
      await db.db.update(recommendations).set({ status: 'resolved' }).where(eq(recommendations.id, r.id));
      await cardChanged(db.db, r.id); // what a per-finding caller would do
    }
    await db.db.insert(recommendations).values(
      Array.from({ length: 5 }, (_, i) => ({
        fingerprint: `late-${i}`,
        kind: 'unassociated-elastic-ips',
        executor: 'release-elastic-ip',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: `late-${i}`,
        title: `late ${i}`,
        params: {},
        evidence: { publicIp: '10.0.0.2', allocationId: `eipalloc-late-${i}` },
        monthlySavingsUsd: 1,
      })),
    );
    await publishScanResults({ db: db.db, log: silentLogger, config }, { resolved });
    await relayWith().drain();
    const updates = chat.of('update');
    expect(updates).toHaveLength(2);
    expect(new Set(updates.map((u) => u.ts)).size).toBe(2);
    expect(chat.of('post')).toHaveLength(0);
    expect(
      chat
        .of('reply')
        .map((r) => r.text)
        .sort(),
    ).toEqual(['This scan: 10 gone.', 'This scan: 5 new ($5.00/month), 25 gone.']);
  });

  it('renders a card again when its state changes while the relay is rendering it', async () => {
    await findings(1, 'unassociated-elastic-ips');
    await publishScanResults({ db: db.db, log: silentLogger, config });
    await relayWith().drain();
    const [rec] = await db.db.select().from(recommendations);
    await cardChanged(db.db, rec!.id);
    // While Slack takes the first update (rendered from the old state), the finding is approved.
    const update = chat.update.bind(chat);
    let changed = false;
    chat.update = async (ref, text) => {
      await update(ref, text);
      if (changed) return;
      changed = true;
      await db.db.transaction(async (tx) => {
        await tx.update(recommendations).set({ status: 'approved' }).where(eq(recommendations.id, rec!.id));
        await cardChanged(tx, rec!.id);
      });
    };
    chat.calls = [];
    await relayWith().drain();
    expect(chat.of('update')).toHaveLength(2);
    const pending = await db.db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(pending).toEqual([]);
  });

  it('keeps one message per second per channel, and delivers a channel in the order written', async () => {
    for (const n of [1, 2, 3]) await enqueuePost(db.db, 'C0WEB', `web ${n}`);
    await enqueuePost(db.db, 'C0DATA', 'data 1');
    const relay = relayWith({ postIntervalMs: 1000 });
    await relay.drain();
    expect(
      chat
        .of('post')
        .map((p) => p.text)
        .sort(),
    ).toEqual(['data 1', 'web 1']);
    clock.advance(999);
    await relay.drain();
    expect(chat.of('post')).toHaveLength(2);
    clock.advance(1);
    await relay.drain();
    clock.advance(1000);
    await relay.drain();
    expect(
      chat
        .of('post')
        .filter((p) => p.channel === 'C0WEB')
        .map((p) => p.text),
    ).toEqual(['web 1', 'web 2', 'web 3']);
  });

  it('turns not_in_channel into one message the operators can act on, and keeps going', async () => {
    chat.fail = (_m, channel) => (channel === 'C0WEB' ? platformError('not_in_channel') : undefined);
    await enqueuePost(db.db, 'C0WEB', 'first');
    await enqueuePost(db.db, 'C0WEB', 'second');
    await relayWith().drain();
    const notices = chat.of('post').filter((p) => p.channel === 'C0OPS');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toBe(
      ':warning: spotops could not post a message in <#C0WEB>: spotops is not a member of <#C0WEB>: invite me with `/invite @spotops` in <#C0WEB>.',
    );
    const rows = await db.db.select().from(outbox).where(eq(outbox.orderingKey, 'channel:C0WEB'));
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed']);
  });

  it('backs off on 5xx without holding up other channels, then delivers once', async () => {
    let down = true;
    chat.fail = (_m, channel) =>
      down && channel === 'C0WEB'
        ? Object.assign(new Error('500'), { code: ErrorCode.HTTPError, statusCode: 503 })
        : undefined;
    await audit(
      { db: db.db, log: silentLogger },
      { actor: 'system', event: 'x', message: 'in the thread', thread: { channel: 'C0WEB', ts: '9.1' } },
    );
    await enqueuePost(db.db, 'C0DATA', 'elsewhere');
    const relay = relayWith();
    await relay.drain();
    expect(chat.calls.map((c) => c.text)).toEqual(['elsewhere']);
    down = false;
    await relay.drain();
    expect(chat.of('reply')).toHaveLength(0); // still waiting for its backoff
    clock.advance(1000);
    await relay.drain();
    await relay.drain();
    expect(chat.of('reply').map((r) => r.text)).toEqual(['in the thread']);
  });

  it('uploads files in their channel order, text as text and bytes byte for byte', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);
    await enqueuePost(db.db, 'C0WEB', 'the digest');
    await enqueueFile(db.db, { channel: 'C0WEB', filename: 'chart.png', bytes: png, comment: 'chart' });
    await enqueueFile(db.db, { channel: 'C0WEB', filename: 'savings.csv', text: 'a,b\r\n1,2\r\n' });
    await relayWith().drain();
    expect(chat.calls.map((c) => c.method)).toEqual(['post', 'file', 'file']);
    expect(Buffer.compare(chat.files[0]!.content as Buffer, png)).toBe(0);
    expect(chat.files[1]!.content).toBe('a,b\r\n1,2\r\n');
  });

  it('retries a file after a rate limit and says a permanent upload failure in words', async () => {
    let limited = true;
    chat.fail = (method, channel) => {
      if (method !== 'file') return undefined;
      if (channel === 'C0DATA') return platformError('missing_scope');
      if (limited) {
        limited = false;
        return Object.assign(new Error('429'), { code: ErrorCode.RateLimitedError, retryAfter: 2 });
      }
      return undefined;
    };
    await enqueueFile(db.db, { channel: 'C0WEB', filename: 'savings.csv', text: 'x' });
    await enqueueFile(db.db, { channel: 'C0DATA', filename: 'savings.csv', text: 'x' });
    const relay = relayWith();
    await relay.drain();
    expect(chat.files).toHaveLength(0);
    clock.advance(2000);
    await relay.drain();
    expect(chat.files.map((f) => f.channel)).toEqual(['C0WEB']);
    const notices = chat.of('post').filter((p) => p.channel === 'C0OPS');
    expect(notices.map((n) => n.text)).toEqual([
      ':warning: spotops could not post a file in <#C0DATA>: the spotops Slack app lacks a permission (scope) it needs: reinstall it from the app manifest (manifest.yml).',
    ]);
  });
});
