// Runs the real Bolt app (HTTP mode) against the fake Slack Web API, on a fresh test database,
// with the operator's STS replaced by aws-sdk-client-mock. Requests are signed like Slack's.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import type { App } from '@slack/bolt';
import { type Config, loadConfig } from '../../src/config.js';
import { executions } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { ExecutionWorker } from '../../src/engine/worker.js';
import { type Clock, ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createDeps, createRelay } from '../../src/runtime.js';
import { createSlackApp } from '../../src/slack/app.js';
import type { OutboxRelay } from '../../src/slack/relay.js';
import { WorkLane } from '../../src/slack/work-lane.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { FakeSlack } from './fake-slack.js';
import { interactionBody, SIGNING_SECRET, slackPost, slashCommandBody } from './signing.js';

export interface TestApp {
  slack: FakeSlack;
  deps: Deps;
  db: TestDatabase;
  app: App;
  url: string;
  clock: Clock;
  worker: ExecutionWorker;
  /** The outbox relay (running in the background, no rate-limit gaps). */
  relay: OutboxRelay;
  /**
   * Delivers everything queued in the outbox now (runs the relay until it is empty), then
   * checks that no thread reply so far carries raw SDK text.
   */
  deliverOutbox(): Promise<void>;
  /**
   * Waits until `count` executions exist (a listener acks before it queues the work), then runs
   * the worker until the queue is empty.
   */
  runQueued(count: number): Promise<void>;
  /** Posts `/spot <text>`; returns the HTTP response and its body (the ack). */
  command(
    text: string,
    opts?: { user?: string; channel?: string },
  ): Promise<{ status: number; body: string; ms: number }>;
  /** Posts `/spot <text>` and waits for the answer sent to response_url. */
  commandReply(
    text: string,
    opts?: { user?: string; channel?: string },
  ): Promise<{ text: string; blocks?: any[] }>;
  /**
   * Posts an interaction; resolves with the ack once the work it started after the ack (the
   * decision, the modal) is done too.
   */
  interact(payload: unknown): Promise<Response>;
  /** The lane follow-up work runs in, after each ack. */
  lane: WorkLane;
  stop(): Promise<void>;
}

export const TEST_ENV = {
  SLACK_MODE: 'http',
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  AWS_REGION: 'us-east-1',
  SPOTOPS_CHANNEL: 'C0OPS',
  LOG_LEVEL: 'silent',
} as const;

export function testConfig(
  env: Record<string, string> = {},
  slackApiUrl = 'http://127.0.0.1:9/api/',
): Config {
  return loadConfig({ ...TEST_ENV, SLACK_API_URL: slackApiUrl, ...env });
}

let responseSeq = 0;

/** Raw SDK or runtime text that must never reach a person in Slack. */
export const RAW_SDK_TEXT = [
  /@aws-sdk/,
  /Deserialization error/i,
  /\bat .+\(.+:\d+:\d+\)/,
  /\bat (file|node):/,
  /\$metadata/,
  /\bError: /,
];

/** Every message and thread reply posted so far reads like a sentence, not an SDK dump. */
export function expectNoRawSdkText(slack: FakeSlack): void {
  for (const m of slack.messages) {
    const text = `${m.text ?? ''} ${JSON.stringify(m.blocks ?? [])}`;
    for (const raw of RAW_SDK_TEXT) {
      if (raw.test(text)) throw new Error(`raw SDK text in a Slack message (${raw}): ${text.slice(0, 400)}`);
    }
  }
  for (const c of slack.callsOf('chat.postEphemeral')) {
    for (const raw of RAW_SDK_TEXT) {
      if (raw.test(String(c.args.text)))
        throw new Error(`raw SDK text in an ephemeral (${raw}): ${c.args.text}`);
    }
  }
}

export async function startTestApp(
  opts: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<TestApp> {
  const slack = await FakeSlack.start();
  const db = await createTestDatabase();
  const clock = opts.clock ?? new ManualClock('2026-11-24T12:00:00Z');
  const config = testConfig(opts.env, slack.apiUrl);
  const operatorSts = new STSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAOPERATOR', secretAccessKey: 'operator-secret' },
  });
  const deps = createDeps(config, db, silentLogger, { clock, operatorSts });
  const worker = new ExecutionWorker(deps);
  const lane = new WorkLane(config.SLACK_WORK_CONCURRENCY);
  const app = createSlackApp(deps, { kick: () => void worker.kick(), lane });
  const relay = createRelay(deps, { postIntervalMs: 0, updateIntervalMs: 0, pollMs: 250 });
  relay.start();
  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  const command: TestApp['command'] = async (text, o = {}) => {
    const started = Date.now();
    const res = await slackPost(
      url,
      slashCommandBody(text, { ...o, responseUrl: slack.responseUrl(`r${++responseSeq}`) }),
    );
    return { status: res.status, body: await res.text(), ms: Date.now() - started };
  };

  return {
    slack,
    deps,
    db,
    app,
    url,
    clock,
    worker,
    relay,
    async deliverOutbox() {
      await relay.kick();
      await relay.drain();
      expectNoRawSdkText(slack);
    },
    async runQueued(count) {
      await slack.waitFor(async () => (await db.db.select().from(executions)).length >= count, 10_000);
      await worker.kick();
      await relay.kick();
      await relay.drain();
      expectNoRawSdkText(slack);
    },
    command,
    async commandReply(text, o = {}) {
      const id = `r${++responseSeq}`;
      const res = await slackPost(url, slashCommandBody(text, { ...o, responseUrl: slack.responseUrl(id) }));
      if (res.status !== 200) throw new Error(`/spot ${text}: HTTP ${res.status}`);
      const ack = await res.text();
      if (ack) {
        const body = JSON.parse(ack);
        return { text: body.text, blocks: body.blocks };
      }
      const call = await slack.waitFor(() =>
        slack.calls.find((c) => c.method === 'response_url' && c.args.path === `/respond/${id}`),
      );
      return { text: call.args.text, blocks: call.args.blocks };
    },
    lane,
    async interact(payload) {
      const res = await slackPost(url, interactionBody(payload));
      await lane.idle();
      return res;
    },
    async stop() {
      await worker.stop();
      await relay.stop();
      expectNoRawSdkText(slack);
      // Bolt calls auth.test when the app is built and awaits it only in a request's authorize: a
      // short test could stop the fake Slack before that call went out (an unhandled rejection).
      // One request awaits it (an unknown action, acked).
      await slackPost(url, interactionBody(buttonClick('spotops_test_settle', 'x')));
      await app.stop();
      await slack.stop();
      await db.destroy();
    },
  };
}

/** A block_actions payload as Slack sends it for a button click on a message. */
export function buttonClick(
  actionId: string,
  value: string,
  o: { user?: string; channel?: string; messageTs?: string; responseUrl?: string } = {},
): unknown {
  const channel = o.channel ?? 'C0OPS';
  return {
    type: 'block_actions',
    user: { id: o.user ?? 'U0BOB', username: 'bob', name: 'bob', team_id: 'T0001' },
    api_app_id: 'A0SPOTOPS',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: o.messageTs ?? '1767225600.000001',
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    team: { id: 'T0001', domain: 'fake' },
    channel: { id: channel, name: 'spotops' },
    message: { type: 'message', ts: o.messageTs ?? '1767225600.000001', text: 'card', blocks: [] },
    response_url: o.responseUrl ?? 'http://127.0.0.1:9/respond/none',
    actions: [
      {
        action_id: actionId,
        block_id: 'b',
        text: { type: 'plain_text', text: 'Click' },
        value,
        type: 'button',
        action_ts: '1767225700.000001',
      },
    ],
  };
}

/** A view_submission payload for a modal. */
export function viewSubmission(
  callbackId: string,
  privateMetadata: string,
  values: unknown,
  user = 'U0BOB',
): unknown {
  return {
    type: 'view_submission',
    team: { id: 'T0001', domain: 'fake' },
    user: { id: user, username: 'u', name: 'u', team_id: 'T0001' },
    api_app_id: 'A0SPOTOPS',
    token: 'deprecated-verification-token',
    trigger_id: '13345224609.738474920.8088930838d88f008e1',
    view: {
      id: 'V0001',
      team_id: 'T0001',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: '1',
      title: { type: 'plain_text', text: 'x' },
      blocks: [],
    },
    response_urls: [],
  };
}
