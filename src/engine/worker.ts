// Runs queued executions outside the Slack listeners: woken at once by `kick()` after an
// approval, and polled on an interval. Each poll is also the recovery loop: claimNext takes over
// any execution whose worker's lease expired (this process before a restart, or another replica)
// and runExecution resumes or compensates it. There is no separate start-up recovery.
import type { Deps } from '../deps.js';
import { claimNext, runExecution, workerLease } from './executions.js';
import type { LeaseSettings } from './step-journal.js';

export class ExecutionWorker {
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  /** This worker's lease identity: one owner id for its lifetime. */
  readonly lease: LeaseSettings;

  constructor(
    private readonly deps: Deps,
    lease: Partial<LeaseSettings> = {},
  ) {
    this.lease = workerLease(lease);
  }

  /** Drains the queue; concurrent kicks coalesce into one more pass. */
  kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.drain();
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Runs executions (new, or taken over after an expired lease) until none is due. */
  async drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      const exec = await claimNext(this.deps, this.lease).catch((err) => {
        this.deps.log.error({ err }, 'claiming an execution failed');
        return null;
      });
      if (!exec) return ran;
      await runExecution(this.deps, exec, this.lease).catch((err) =>
        this.deps.log.error({ err, execution: exec.id }, 'execution crashed'),
      );
      ran += 1;
    }
  }

  /** Polls every intervalMs: well under the lease, so an expired one is taken over in seconds. */
  start(intervalMs = 5_000): void {
    this.#timer = setInterval(() => void this.kick(), intervalMs);
    this.#timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
