// The lane every listener hands its work to after the ack. Acks are a few microseconds of work
// each, but they share one event loop with what the requests then do (queries, Block Kit, the
// answer): fifty requests at once, each running its follow-up as soon as it was acked, made the
// last acks wait behind the first answers (issue 9). The lane runs at most `concurrency`
// follow-ups at a time and starts each one from a fresh macrotask (setImmediate), so requests
// already read from their sockets are acked before more work is started. Requests not acked yet
// (`arrive()` until its `done`), or a request that arrived less than QUIET_MS ago (a burst still
// coming in), hold back the start of further follow-ups, for at most MAX_HOLD_MS at a time so
// that steady traffic cannot starve them.

/** The longest a follow-up waits for a burst of arriving requests to be acked. */
export const MAX_HOLD_MS = 250;
/** A burst is over when no request arrived for this long. */
export const QUIET_MS = 20;

export class WorkLane {
  readonly #concurrency: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #arriving = 0;
  #heldSince: number | undefined;
  #lastArrival = Number.NEGATIVE_INFINITY;
  #holdTimer: NodeJS.Timeout | undefined;

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

  /** A request arrived; until the returned function is called (its ack), follow-ups wait. */
  arrive(): () => void {
    this.#arriving++;
    this.#lastArrival = performance.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#arriving--;
      if (this.#arriving === 0 && this.#waiting.length > 0) setImmediate(() => this.#startNext());
    };
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
    if (this.#running >= this.#concurrency || this.#waiting.length === 0) return;
    const now = performance.now();
    const quietIn = QUIET_MS - (now - this.#lastArrival);
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    if (this.#arriving === 0 && quietIn <= 0) {
      this.#heldSince = undefined;
    } else {
      // A burst is coming in. Once it has held work back for MAX_HOLD_MS, work flows anyway until
      // the next quiet moment.
      this.#heldSince ??= now;
      const left = MAX_HOLD_MS - (now - this.#heldSince);
      if (left > 0) {
        // Looked at again when the burst is acked (arrive's done), when it is quiet, or when the hold ends.
        const wait = this.#arriving > 0 ? left : Math.min(left, Math.max(1, quietIn));
        this.#holdTimer = setTimeout(() => this.#startNext(), wait);
        return;
      }
    }
    const next = this.#waiting.shift()!;
    this.#running++;
    next();
    // More slots free: fill them in the next macrotask, after pending I/O.
    if (this.#running < this.#concurrency && this.#waiting.length > 0) setImmediate(() => this.#startNext());
  }

  #settleIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
