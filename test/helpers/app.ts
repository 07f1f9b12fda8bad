// Runs the real Bolt app (HTTP mode) against the fake Slack Web API, on a fresh test database,
// with the operator's STS replaced by aws-sdk-client-mock. Requests are signed like Slack's.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import type { App } from '@slack/bolt';
import { type Config, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { type Clock, ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createDeps } from '../../src/runtime.js';
import { createSlackApp } from '../../src/slack/app.js';
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
  interact(payload: unknown): Promise<Response>;
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
  const app = createSlackApp(deps);
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
    interact: (payload) => slackPost(url, interactionBody(payload)),
    async stop() {
      await app.stop();
      await slack.stop();
      await db.destroy();
    },
  };
}
