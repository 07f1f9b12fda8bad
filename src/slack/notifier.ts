// The one module that talks to Slack's Web API for posting: messages, in-place updates,
// thread replies, ephemerals and files. Slack 429s are waited out and retried by the WebClient
// (rate-limit retries are on; we never reject rate-limited calls).
import type { KnownBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import type { Logger } from '../lib/logger.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export interface Notifier {
  post(channel: string, text: string, blocks?: KnownBlock[]): Promise<MessageRef>;
  update(ref: MessageRef, text: string, blocks?: KnownBlock[]): Promise<void>;
  reply(thread: MessageRef, text: string, blocks?: KnownBlock[]): Promise<MessageRef>;
  ephemeral(channel: string, user: string, text: string, blocks?: KnownBlock[]): Promise<void>;
  uploadText(
    channel: string,
    filename: string,
    content: string,
    comment: string,
    threadTs?: string,
  ): Promise<void>;
  publishHome(user: string, blocks: KnownBlock[]): Promise<void>;
  openModal(triggerId: string, view: object): Promise<void>;
}

export class SlackNotifier implements Notifier {
  constructor(private readonly client: WebClient) {}

  async post(channel: string, text: string, blocks?: KnownBlock[]): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({ channel, text, blocks, unfurl_links: false });
    if (!res.ts || !res.channel) throw new Error(`posting to ${channel}: Slack returned no ts`);
    return { channel: res.channel, ts: res.ts };
  }

  async update(ref: MessageRef, text: string, blocks?: KnownBlock[]): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks: blocks ?? [] });
  }

  async reply(thread: MessageRef, text: string, blocks?: KnownBlock[]): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      text,
      blocks,
    });
    return { channel: thread.channel, ts: res.ts ?? thread.ts };
  }

  async ephemeral(channel: string, user: string, text: string, blocks?: KnownBlock[]): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text, blocks });
  }

  async uploadText(channel: string, filename: string, content: string, comment: string, threadTs?: string) {
    await this.client.files.uploadV2({
      channel_id: channel,
      filename,
      content,
      initial_comment: comment,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    } as Parameters<WebClient['files']['uploadV2']>[0]);
  }

  async publishHome(user: string, blocks: KnownBlock[]): Promise<void> {
    await this.client.views.publish({ user_id: user, view: { type: 'home', blocks } });
  }

  async openModal(triggerId: string, view: object): Promise<void> {
    await this.client.views.open({ trigger_id: triggerId, view: view as never });
  }
}

/** Wraps a notifier so a Slack outage is logged, never thrown into business logic. */
export function quietly<T>(log: Logger, what: string, p: Promise<T>): Promise<T | undefined> {
  return p.catch((err) => {
    log.warn({ err, what }, 'slack call failed');
    return undefined;
  });
}

/** The Web API client the notifier uses: same base URL override as the Bolt app, 429s retried. */
export function createWebClient(token: string, slackApiUrl?: string): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
  });
}

/** For the CLI without Slack credentials: audit rows are still written; nothing is posted. */
export class OfflineNotifier implements Notifier {
  constructor(private readonly log: Logger) {}
  #skip(what: string): void {
    this.log.debug({ what }, 'not posted to Slack: SLACK_BOT_TOKEN is not set');
  }
  async post(channel: string): Promise<MessageRef> {
    this.#skip('post');
    return { channel, ts: '' };
  }
  async update(): Promise<void> {
    this.#skip('update');
  }
  async reply(thread: MessageRef): Promise<MessageRef> {
    this.#skip('reply');
    return thread;
  }
  async ephemeral(): Promise<void> {
    this.#skip('ephemeral');
  }
  async uploadText(): Promise<void> {
    this.#skip('upload');
  }
  async publishHome(): Promise<void> {
    this.#skip('home');
  }
  async openModal(): Promise<void> {
    this.#skip('modal');
  }
}
