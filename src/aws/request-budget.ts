// AWS request budgets: a token bucket per account + region + service + API family that mirrors
// EC2's published request-rate buckets, in front of every call (per attempt, after the SDK's
// adaptive retry decides to send), so spotops stays inside what AWS allows instead of learning it
// from RequestLimitExceeded. Requests wait in priority order: an emergency replacement takes the
// next token before any queued scan call, and scans may not take a bucket's reserved last tokens,
// so a large scan never starves the two-minute path. The clock and the sleep are injected: tests
// and the benchmark run it in simulated time.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../lib/clock.js';
import { sleep as realSleep } from '../lib/retry.js';

export type Family = 'describe' | 'run-instances' | 'mutating';

export interface BucketSpec {
  /** Tokens the bucket holds (the burst). */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

/**
 * EC2's request-rate buckets (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html):
 * non-mutating actions (Describe*, Get*, List*) 100 burst / 20 per s; mutating actions 50 / 5.
 * RunInstances gets its own tighter bucket, 5 / 2 per s, as its launch rate limits it in practice.
 * Auto Scaling and EKS publish no buckets; the same sizes per service are a conservative stand-in.
 */
export const BUCKETS = {
  describe: { burst: 100, perSecond: 20 },
  'run-instances': { burst: 5, perSecond: 2 },
  mutating: { burst: 50, perSecond: 5 },
} as const satisfies Record<Family, BucketSpec>;

export type Priority = 'emergency' | 'normal' | 'scan';
/** Share of a bucket only emergency and normal work may use: what a scan leaves for the rest. */
const SCAN_RESERVE = 0.2;

export function familyOf(command: string): Family {
  const name = command.replace(/Command$/, '');
  if (name === 'RunInstances') return 'run-instances';
  return /^(Describe|Get|List|Search)/.test(name) ? 'describe' : 'mutating';
}

const priorityScope = new AsyncLocalStorage<Priority>();

/** Runs `fn` with its AWS calls at `priority` (it flows through every await inside). */
export function withPriority<T>(priority: Priority, fn: () => Promise<T>): Promise<T> {
  return priorityScope.run(priority, fn);
}

export const currentPriority = (): Priority => priorityScope.getStore() ?? 'normal';

interface Waiter {
  priority: Priority;
  resolve: () => void;
}

const PRIORITIES: readonly Priority[] = ['emergency', 'normal', 'scan'];

export class TokenBucket {
  #tokens: number;
  #at: number;
  /** One FIFO per priority, served in PRIORITIES order. */
  readonly #queues: Record<Priority, Waiter[]> = { emergency: [], normal: [], scan: [] };
  #pumping = false;

  constructor(
    readonly spec: BucketSpec,
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.#tokens = spec.burst;
    this.#at = clock.now().getTime();
  }

  #refill(): void {
    const now = this.clock.now().getTime();
    if (now > this.#at) {
      this.#tokens = Math.min(
        this.spec.burst,
        this.#tokens + ((now - this.#at) / 1000) * this.spec.perSecond,
      );
      this.#at = now;
    }
  }

  /** Tokens a request of this priority may not touch. */
  #floor(priority: Priority): number {
    return priority === 'scan' ? Math.max(1, Math.floor(this.spec.burst * SCAN_RESERVE)) : 0;
  }

  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  get waiting(): number {
    return PRIORITIES.reduce((n, p) => n + this.#queues[p].length, 0);
  }

  #head(): Waiter[] | undefined {
    return PRIORITIES.map((p) => this.#queues[p]).find((q) => q.length > 0);
  }

  /** Resolves when the request may be sent; the highest priority waiting goes first, FIFO within one. */
  take(priority: Priority): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queues[priority].push({ priority, resolve });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let queue = this.#head(); queue; queue = this.#head()) {
        this.#refill();
        const next = queue[0]!;
        const floor = this.#floor(next.priority);
        if (this.#tokens - 1 >= floor) {
          this.#tokens -= 1;
          queue.shift();
          next.resolve();
          continue;
        }
        // Until one token above the floor has refilled; a higher priority arriving meanwhile goes first.
        const ms = Math.max(1, Math.ceil(((floor + 1 - this.#tokens) / this.spec.perSecond) * 1000));
        await this.sleep(Math.min(ms, 50));
      }
    } finally {
      this.#pumping = false;
    }
  }
}

export interface BudgetKey {
  /** The AWS account (or the role ARN) and region the calls count against. */
  account: string;
  region: string;
  service: string;
}

/** Every bucket of the process, made on first use. */
export class RequestBudget {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
    private readonly specs: Record<Family, BucketSpec> = BUCKETS,
  ) {}

  bucket(key: BudgetKey, family: Family): TokenBucket {
    const id = `${key.account}|${key.region}|${key.service}|${family}`;
    let b = this.#buckets.get(id);
    if (!b) {
      b = new TokenBucket(this.specs[family], this.clock, this.sleep);
      this.#buckets.set(id, b);
    }
    return b;
  }

  acquire(key: BudgetKey, command: string, priority: Priority = currentPriority()): Promise<void> {
    return this.bucket(key, familyOf(command)).take(priority);
  }
}

interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { relation: 'after'; toMiddleware: string; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Puts the budget in front of each attempt the client sends: after the retry middleware, so a
 * retried call waits for a token too (AWS charges every attempt).
 */
export function withRequestBudget<C>(client: C, budget: RequestBudget, key: BudgetKey): C {
  (client as unknown as MiddlewareClient).middlewareStack.addRelativeTo(
    (next, context) => async (args) => {
      await budget.acquire(key, context.commandName ?? '');
      return next(args);
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'spotopsRequestBudget', override: true },
  );
  return client;
}
