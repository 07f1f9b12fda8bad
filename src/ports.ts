// The ports between the core (engine, executors, scanners, spot, events, jobs) and the surfaces
// that show its work (Slack, the local console). The core writes state, audit and outbox rows;
// a surface delivers them. runtime.ts wires the implementations; nothing in the core imports
// slack/.
import type { KnownBlock } from '@slack/types';

/** A message in Slack (or any surface with threads): where it is and its timestamp. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/**
 * The chat surface the relay delivers to. Each call is one attempt: it throws on failure and
 * never retries by itself (the relay owns retries, backoff and rate limits).
 */
export interface ChatPort {
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

/** Wakes whatever delivers the outbox (the relay) after rows were written; cheap, never throws. */
export type OutboxWake = () => void;
