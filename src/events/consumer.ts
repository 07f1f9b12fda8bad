// The SQS loop: long-polls the operator queue that EventBridge fills, hands each event to the handler,
// deletes what was handled, and leaves a failed message for redelivery (SQS visibility timeout; a
// redrive policy moves a message that keeps failing to a dead-letter queue). Idempotency is the
// handler's: a redelivered or duplicated event id changes nothing.
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { sqsSdk } from '../aws/sdk.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/retry.js';
import type { PoolEventOutcome } from './handle.js';
import { type Ec2Event, parseEventBody } from './parse.js';

export interface ConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handle: (event: Ec2Event) => Promise<PoolEventOutcome>;
  /** Told what each handled event did (the lead posts the Slack alert); its failures are logged only. */
  onPoolEvent?: (outcome: PoolEventOutcome) => void | Promise<void>;
  logger: Logger;
  waitTimeSeconds?: number;
  maxMessages?: number;
  /** Pause after a failed receive before trying again (default 5 s). */
  errorBackoffMs?: number;
}

export type MessageResult =
  | { messageId: string | undefined; status: 'handled'; outcome: PoolEventOutcome }
  | { messageId: string | undefined; status: 'rejected'; reason: string }
  | { messageId: string | undefined; status: 'failed'; error: string };

export class Consumer {
  readonly #opts: ConsumerOptions;
  #running = false;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(opts: ConsumerOptions) {
    this.#opts = opts;
  }

  get running(): boolean {
    return this.#running;
  }

  /** One receive (long poll) and the handling of every message it returned. */
  async pollOnce(signal?: AbortSignal): Promise<MessageResult[]> {
    const { sqs, queueUrl } = this.#opts;
    const out = await sqs.send(
      new sqsSdk.ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.#opts.maxMessages ?? 10,
        WaitTimeSeconds: this.#opts.waitTimeSeconds ?? 20,
      }),
      { abortSignal: signal },
    );
    const results: MessageResult[] = [];
    for (const message of out.Messages ?? []) results.push(await this.#handleMessage(message));
    return results;
  }

  async #handleMessage(message: Message): Promise<MessageResult> {
    const { logger } = this.#opts;
    const messageId = message.MessageId;
    const parsed = parseEventBody(message.Body);
    if (!parsed.ok) {
      // It will never parse: redelivering it would only loop. Log it in full and delete it.
      logger.warn(
        { messageId, reason: parsed.reason, body: message.Body?.slice(0, 2000) },
        'message dropped',
      );
      await this.#delete(message);
      return { messageId, status: 'rejected', reason: parsed.reason };
    }
    let outcome: PoolEventOutcome;
    try {
      outcome = await this.#opts.handle(parsed.event);
    } catch (err) {
      logger.error(
        { messageId, eventId: parsed.event.id, err: describeError(err) },
        'event handling failed; left on the queue for redelivery',
      );
      return { messageId, status: 'failed', error: describeError(err) };
    }
    try {
      await this.#opts.onPoolEvent?.(outcome);
    } catch (err) {
      logger.error({ messageId, outcome: outcome.kind, err: describeError(err) }, 'onPoolEvent failed');
    }
    await this.#delete(message);
    return { messageId, status: 'handled', outcome };
  }

  async #delete(message: Message): Promise<void> {
    try {
      await this.#opts.sqs.send(
        new sqsSdk.DeleteMessageCommand({
          QueueUrl: this.#opts.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
    } catch (err) {
      // Redelivery is harmless (the handler is idempotent), so a failed delete is only worth a log line.
      this.#opts.logger.warn(
        { messageId: message.MessageId, err: describeError(err) },
        'deleting a message failed',
      );
    }
  }

  /** Starts the loop in the background; resolves at once. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.pollOnce(signal);
          // Yield to the event loop: a receive answered without I/O (an empty queue in a fake, a proxy
          // answering at once) must not starve timers and stop().
          await new Promise((resolve) => setImmediate(resolve));
        } catch (err) {
          if (!this.#running) break; // the abort from stop()
          this.#opts.logger.error({ err: describeError(err) }, 'receiving from the event queue failed');
          await Promise.race([
            sleep(this.#opts.errorBackoffMs ?? 5000),
            new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
          ]);
        }
      }
    })();
  }

  /** Ends the loop: aborts the pending long poll and waits for the message being handled to finish. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }
}
