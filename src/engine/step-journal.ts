// The durable journal behind the executors' step API (src/executors/steps.ts) and the lease that
// makes one worker at a time its writer. Each step is committed as started before it acts (and
// only while this worker holds the execution's lease) and committed again with its output before
// the next begins. A takeover replays done steps from their output, re-runs an interrupted step
// (steps are idempotent) or refuses it when the step says re-running is unsafe, and can
// compensate the steps done so far in reverse order, each compensation a durable step itself.
import type { Db } from '../db/client.js';
import { extendLease, findStep, finishStep, startStep } from '../db/queries/execution-steps.js';
import { InterruptedStepError, LeaseLostError, type Step, type StepJournal } from '../executors/steps.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';

export interface LeaseSettings {
  /** Who holds the lease: unique per worker (host, pid, random). */
  owner: string;
  /** How long a lease lasts without a heartbeat. */
  leaseMs: number;
  /** How often the holder extends it (well under leaseMs). */
  heartbeatMs: number;
}

interface Compensation {
  name: string;
  undo: () => Promise<string>;
}

/**
 * Holds the lease on one execution while it runs: a heartbeat extends it every heartbeatMs; once
 * an extension fails the lease is lost and every later step start throws LeaseLostError.
 */
export class ExecutionLease {
  #timer: NodeJS.Timeout | undefined;
  #lost = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly executionId: number,
    readonly settings: LeaseSettings,
  ) {}

  get lost(): boolean {
    return this.#lost;
  }

  /** Extends the lease now; false (and lost from then on) when another worker holds it. */
  async extend(): Promise<boolean> {
    if (this.#lost) return false;
    const now = this.clock.now();
    const ok = await extendLease(
      this.db,
      this.executionId,
      this.settings.owner,
      now,
      new Date(now.getTime() + this.settings.leaseMs),
    );
    if (!ok) this.#lost = true;
    return ok;
  }

  startHeartbeat(onError: (err: unknown) => void): void {
    let beating = false;
    this.#timer = setInterval(() => {
      // One extension at a time: a database slower than the heartbeat must not pile them up.
      if (beating) return;
      beating = true;
      this.extend()
        .catch(onError)
        .finally(() => {
          beating = false;
        });
    }, this.settings.heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  assertHeld(): void {
    if (this.#lost) throw new LeaseLostError(this.executionId);
  }
}

export class DbStepJournal implements StepJournal {
  readonly #compensations: Compensation[] = [];
  /** Steps this attempt found interrupted (started by an earlier attempt, never finished). */
  readonly interrupted: string[] = [];

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lease: ExecutionLease,
    readonly resumed: boolean,
  ) {}

  /**
   * When set, nothing unfinished may run (a stale takeover compensates instead of resuming): done
   * steps still replay, so their compensations are known; undo steps still run.
   */
  refuseUnfinished = false;

  async run<T>(step: Step<T>): Promise<T> {
    const id = this.lease.executionId;
    const owner = this.lease.settings.owner;
    const prior = await findStep(this.db, id, step.name);
    if (prior?.status === 'done') {
      const output = prior.output as T;
      this.#remember(step, output);
      return output;
    }
    if (prior?.status === 'running') {
      this.interrupted.push(step.name);
      if (step.resumable === false) throw new InterruptedStepError(step.name);
    }
    if (this.refuseUnfinished && !step.name.startsWith('undo:')) throw new InterruptedStepError(step.name);
    // Commit "started" before acting, and only while the lease is ours (this also extends it).
    this.lease.assertHeld();
    if (!(await this.lease.extend())) throw new LeaseLostError(id);
    const row = await startStep(this.db, id, step.name, owner, this.clock.now());
    if (!row) {
      // Another worker finished it between our read and our start: replay its output.
      const done = await findStep(this.db, id, step.name);
      this.#remember(step, done?.output as T);
      return done?.output as T;
    }
    let output: T;
    try {
      output = await step.run(prior !== undefined);
    } catch (err) {
      await finishStep(
        this.db,
        row.id,
        owner,
        { status: 'failed', error: describeError(err) },
        this.clock.now(),
      );
      throw err;
    }
    if (!(await finishStep(this.db, row.id, owner, { status: 'done', output }, this.clock.now()))) {
      throw new LeaseLostError(id);
    }
    this.#remember(step, output);
    return output;
  }

  /** Steps done so far (in this attempt or replayed) that can be undone, newest first. */
  get pendingCompensations(): readonly string[] {
    return this.#compensations.map((c) => c.name).reverse();
  }

  /**
   * Undoes the steps done so far, newest first. Each undo is a durable step ("undo:<name>"), so a
   * crash during compensation resumes it without undoing anything twice. Returns what each did.
   */
  async compensate(): Promise<string[]> {
    const said: string[] = [];
    for (const c of [...this.#compensations].reverse()) {
      said.push(
        await this.run<string>({
          name: `undo:${c.name}`,
          run: () => c.undo(),
        }),
      );
    }
    this.#compensations.length = 0;
    return said;
  }

  #remember<T>(step: Step<T>, output: T): void {
    const compensate = step.compensate;
    if (compensate) this.#compensations.push({ name: step.name, undo: () => compensate(output) });
  }
}
