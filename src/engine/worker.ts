// Runs queued executions outside the Slack listeners: woken at once by `kick()` after an
// approval, and polled on an interval. Each poll is also the recovery loop: claimNext takes over
// any execution whose worker's lease expired (this process before a restart, or another replica)
// and runExecution resumes or compensates it. There is no separate start-up recovery.
// A worker runs up to `slots` executions side by side; the queue's limits (queue.ts) decide
// what may start, over every replica.
import type { Deps } from '../deps.js';
import { reportFinishedEmergency } from './emergency.js';
import { type Claimed, claimNext, runExecution, workerLease } from './executions.js';
import { type QueueLimits, queueLimits } from './queue.js';
import type { LeaseSettings } from './step-journal.js';

export interface WorkerOptions {
  /** Executions this process runs at once (default WORKER_SLOTS). */
  slots?: number;
  limits?: QueueLimits;
}

export class ExecutionWorker {
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  /** This worker's lease identity: one owner id for its lifetime. */
  readonly lease: LeaseSettings;
  readonly slots: number;
  readonly #limits: QueueLimits;

  constructor(
    private readonly deps: Deps,
    lease: Partial<LeaseSettings> = {},
    opts: WorkerOptions = {},
  ) {
    this.lease = workerLease(lease);
    this.slots = Math.max(1, opts.slots ?? deps.config?.WORKER_SLOTS ?? 1);
    this.#limits = opts.limits ?? queueLimits(deps.config);
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

  /**
   * Runs executions (new, or taken over after an expired lease) until none is due: fills the
   * free slots, and each time a run ends claims again (a finish may free an account's or a
   * batch's turn).
   */
  async drain(): Promise<number> {
    let ran = 0;
    const active = new Set<Promise<void>>();
    const fill = async () => {
      while (active.size < this.slots) {
        const exec = await this.#claim();
        if (!exec) return;
        const run: Promise<void> = runExecution(this.deps, exec, this.lease)
          // An emergency replacement taken over from a crashed worker is reported by this one.
          .then((done) => (exec.takeover ? reportFinishedEmergency(this.deps, done) : undefined))
          .catch((err) => this.deps.log.error({ err, execution: exec.id }, 'execution crashed'))
          .finally(() => active.delete(run));
        active.add(run);
        ran += 1;
      }
    };
    await fill();
    while (active.size > 0) {
      await Promise.race(active);
      await fill();
    }
    return ran;
  }

  #claim(): Promise<Claimed | null> {
    return claimNext(this.deps, this.lease, this.#limits).catch((err) => {
      this.deps.log.error({ err }, 'claiming an execution failed');
      return null;
    });
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
