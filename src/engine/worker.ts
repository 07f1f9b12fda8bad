// Runs queued executions outside the Slack listeners: woken at once by `kick()` after an
// approval, and polled on an interval so work queued by another replica is picked up too.
import type { Deps } from '../deps.js';
import { claimNext, runExecution } from './executions.js';

export class ExecutionWorker {
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: Deps) {}

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

  /** Runs executions until none is due. */
  async drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      const exec = await claimNext(this.deps).catch((err) => {
        this.deps.log.error({ err }, 'claiming an execution failed');
        return null;
      });
      if (!exec) return ran;
      await runExecution(this.deps, exec).catch((err) =>
        this.deps.log.error({ err, execution: exec.id }, 'execution crashed'),
      );
      ran += 1;
    }
  }

  start(intervalMs = 10_000): void {
    this.#timer = setInterval(() => void this.kick(), intervalMs);
    this.#timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
