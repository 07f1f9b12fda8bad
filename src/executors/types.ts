// The executor contract (DESIGN.md section 4). An executor is one kind of change in AWS:
// validate (read-only + AWS DryRun) -> execute -> verify -> rollback. The engine calls validate
// again at execution time because the world drifts between the card and the click.
import type { z } from 'zod';
import type { AccountAccess } from '../aws/clients.js';
import type { MutationContext } from '../aws/dry-run.js';
import type { WaitContext } from '../aws/waiters.js';
import type { Account, RiskLevel } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { StepJournal } from './steps.js';

export type Verdict = { ok: true } | { ok: false; reason: string; stale?: boolean };

/** `waits` (optional) overrides how long executors wait for EC2 state changes; tests make it tiny. */
export interface ExecutorContext extends MutationContext, WaitContext {
  /** Clients acting in the target account as the approver (STS session name = actor). */
  aws: AccountAccess;
  account: Pick<Account, 'id' | 'name' | 'environment' | 'awsAccountId'>;
  region: string;
  actor: string;
  clock: Clock;
  log: Logger;
  /** Progress for long work ("waiting for snap-1: 40%"); shown in the card's thread. */
  progress?: (message: string) => Promise<void>;
  /**
   * Is a Spot pool (region, AZ ID, instance type) poisoned? The engine answers from
   * isPoolPoisoned; without a guard every pool counts as healthy.
   */
  poolGuard?: PoolGuard;
  /** The execution being run: names the tags and ClientTokens a resumed step finds its work by. */
  executionId?: number;
  /** Persists each step (src/executors/steps.ts); absent outside the engine (steps just run). */
  steps?: StepJournal;
}

/** `az` is an AZ ID (use1-az1): AZ names are per-account aliases. */
export type PoolGuard = (pool: {
  region: string;
  az: string;
  instanceType: string;
}) => Promise<{ poisoned: boolean; expiresAt?: Date }>;

export interface ExecuteResult<U> {
  /** One line for the thread: "Released eipalloc-1 (52.1.2.3)". */
  summary: string;
  /** What rollback needs; stored as JSON on the execution. */
  undo?: U;
}

export interface Executor<P, U = never> {
  kind: string;
  /** Params are stored as JSON: always parse before use. */
  params: z.ZodType<P>;
  /** Every IAM action the executor calls (read and write); the CFN write policy is built from these. */
  permissions: readonly string[];
  /** Risk level rule; production accounts usually raise it a level. */
  risk(params: P, account: { environment: 'PROD' | 'LAB' }): RiskLevel;
  describe(params: P): string;
  validate(ctx: ExecutorContext, params: P): Promise<Verdict>;
  execute(ctx: ExecutorContext, params: P): Promise<ExecuteResult<U>>;
  verify?(ctx: ExecutorContext, params: P): Promise<Verdict>;
  /** Present iff the executor is reversible. */
  rollback?(ctx: ExecutorContext, params: P, undo: U): Promise<string>;
  /** Shown on the card when rollback is absent or limited ("no rollback once gp3 modification completes"). */
  rollbackNote?: string;
  /**
   * true: execute() is built of idempotent steps (src/executors/steps.ts), so a worker that takes
   * over after a crash runs it again and it resumes. Otherwise an interrupted execute() is not
   * repeated: the engine asks verify() whether the change happened.
   */
  resumable?: boolean;
}

// The registry holds executors of every params type.
export type AnyExecutor = Executor<any, any>;
