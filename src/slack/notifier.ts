// The one module that talks to Slack's Web API for posting: messages, in-place updates,
// thread replies, ephemerals and files. One attempt per call: the WebClient neither waits out
// 429s nor retries (the outbox relay owns retries, so a Slack outage never holds anything up).
import type { KnownBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import type { Logger } from '../lib/logger.js';
import type { ChatPort, MessageRef, UploadFile } from '../ports.js';

export type { MessageRef } from '../ports.js';
/** The Slack implementation of the chat port (one attempt per call; see ports.ts). */
export type Notifier = ChatPort;

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

  async uploadFile(channel: string, file: UploadFile): Promise<void> {
    const content = typeof file.content === 'string' ? { content: file.content } : { file: file.content };
    await this.client.files.uploadV2({
      channel_id: channel,
      filename: file.filename,
      title: file.title ?? file.filename,
      ...content,
      ...(file.comment ? { initial_comment: file.comment } : {}),
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

/**
 * The Web API client the notifier uses: same base URL override as the Bolt app; a 429 is
 * rejected at once (with its Retry-After) and nothing is retried here, so no call can hang in
 * the client's own backoff loop. A short timeout bounds a stuck connection.
 */
export function createWebClient(token: string, slackApiUrl?: string): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
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
  async uploadFile(): Promise<void> {
    this.#skip('upload');
  }
  async publishHome(): Promise<void> {
    this.#skip('home');
  }
  async openModal(): Promise<void> {
    this.#skip('modal');
  }
}
