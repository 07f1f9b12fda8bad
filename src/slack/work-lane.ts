// The lane every listener hands its work to after the ack. Acks are a few microseconds of work
// each, but they share one event loop with what the requests then do (queries, Block Kit, the
// answer): fifty requests at once, each running its follow-up as soon as it was acked, made the
// last acks wait behind the first answers (issue 9). The lane runs at most `concurrency`
// follow-ups at a time and starts each one from a fresh macrotask (setImmediate), so requests
// already read from their sockets are acked before more work is started.

export class WorkLane {
  readonly #concurrency: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`lane concurrency ${concurrency}`);
    this.#concurrency = concurrency;
  }

  /** Runs `fn` when a slot is free; settles as `fn` does. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      setImmediate(() => this.#startNext());
    });
    try {
      return await fn();
    } finally {
      this.#running--;
      if (this.#waiting.length > 0) setImmediate(() => this.#startNext());
      else if (this.#running === 0) this.#settleIdle();
    }
  }

  /** Follow-ups queued or running. */
  get depth(): number {
    return this.#running + this.#waiting.length;
  }

  /** Resolves once nothing is queued or running (tests; draining at shutdown). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #startNext(): void {
    if (this.#running >= this.#concurrency) return;
    const next = this.#waiting.shift();
    if (!next) return;
    this.#running++;
    next();
  }

  #settleIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
