// A Bolt Receiver for the local console: the console hands it payloads in the shapes Slack
// sends (slash command fields, block_actions / view_submission payloads, event_callback
// envelopes) and it calls app.processEvent with an ack, as Bolt's HTTP and Socket Mode receivers
// do. No signatures: the payloads come from this process, not from the network. Ack semantics
// follow Slack's: the first ack's body is the answer; a second ack is an error; an event nobody
// acknowledges within three seconds is reported as not acknowledged.
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { ReceiverMultipleAckError } from '@slack/bolt';

export type Delivery =
  | { status: 'acked'; body: unknown; ms: number }
  | { status: 'not_acknowledged'; ms: number }
  | { status: 'failed'; error: string; ms: number };

export const ACK_TIMEOUT_MS = 3000;

export class ConsoleReceiver implements Receiver {
  #app: App | undefined;
  #running = false;

  init(app: App): void {
    this.#app = app;
  }

  /** The console's HTTP server is started by the console itself; this only opens the gate. */
  async start(): Promise<void> {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
  }

  /**
   * Delivers one payload; resolves with the ack (or why there was none). The listener keeps
   * running after the ack, as it does behind Slack: `settled` resolves when it is done.
   */
  deliver(
    body: Record<string, unknown>,
    opts: { ackTimeoutMs?: number; retryNum?: number; retryReason?: string } = {},
  ): { ack: Promise<Delivery>; settled: Promise<void> } {
    const app = this.#app;
    if (!app || !this.#running) {
      const failed: Delivery = { status: 'failed', error: 'the app is not running', ms: 0 };
      return { ack: Promise.resolve(failed), settled: Promise.resolve() };
    }
    const started = Date.now();
    let acked = false;
    let answer: (d: Delivery) => void = () => {};
    const ack = new Promise<Delivery>((resolve) => {
      answer = resolve;
    });
    const event: ReceiverEvent = {
      body,
      ...(opts.retryNum !== undefined ? { retryNum: opts.retryNum, retryReason: opts.retryReason } : {}),
      ack: async (response?: unknown) => {
        if (acked) throw new ReceiverMultipleAckError();
        acked = true;
        answer({ status: 'acked', body: response ?? '', ms: Date.now() - started });
      },
    };
    const timer = setTimeout(() => {
      if (!acked) answer({ status: 'not_acknowledged', ms: Date.now() - started });
    }, opts.ackTimeoutMs ?? ACK_TIMEOUT_MS);
    const settled = app.processEvent(event).then(
      () => {
        clearTimeout(timer);
        if (!acked) answer({ status: 'not_acknowledged', ms: Date.now() - started });
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!acked) {
          answer({
            status: 'failed',
            error: err instanceof Error ? err.message : String(err),
            ms: Date.now() - started,
          });
        }
      },
    );
    return { ack, settled };
  }
}
