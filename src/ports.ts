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
  /** Shares a file in a channel (Slack: files.uploadV2, i.e. get URL, upload, complete). */
  uploadFile(channel: string, file: UploadFile): Promise<void>;
  publishHome(user: string, blocks: KnownBlock[]): Promise<void>;
  openModal(triggerId: string, view: object): Promise<void>;
}

export interface UploadFile {
  filename: string;
  title?: string;
  /** The message shown with the file. */
  comment?: string;
  content: string | Buffer;
}

/** Wakes whatever delivers the outbox (the relay) after rows were written; cheap, never throws. */
export type OutboxWake = () => void;
