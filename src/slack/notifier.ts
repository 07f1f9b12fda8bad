// The one module that talks to Slack's Web API for posting: messages, in-place updates,
// thread replies, ephemerals and files. Slack 429s are waited out and retried by the WebClient
// (rate-limit retries are on; we never reject rate-limited calls).
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
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
  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
  ) {}

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
