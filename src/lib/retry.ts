// Small retry helper with exponential backoff; used for polling waits and transient API errors.
export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs?: number;
  retryIf?: (err: unknown) => boolean;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const wait = opts.sleep ?? sleep;
  let last: unknown;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      last = err;
      if (attempt === opts.attempts || (opts.retryIf && !opts.retryIf(err))) throw err;
      await wait(Math.min(opts.baseMs * 2 ** (attempt - 1), opts.maxMs ?? Number.POSITIVE_INFINITY));
    }
  }
  throw last;
}

/** Bounded-concurrency map that keeps input order; rejects on the first failure. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
