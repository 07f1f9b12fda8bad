// The data model (DESIGN.md section 5). One drizzle schema serves PostgreSQL and PGlite;
// migrations in ../../migrations are generated from it by drizzle-kit.
import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

export const environment = pgEnum('environment', ['PROD', 'LAB']);
export const accountStatus = pgEnum('account_status', ['pending', 'verified']);
export const shadowItAction = pgEnum('shadow_it_action', ['terminate', 'stop', 'notify']);
export const riskLevel = pgEnum('risk_level', ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

export const recommendationStatus = pgEnum('recommendation_status', [
  'open', // found, card not yet posted
  'posted', // card in Slack, waiting for a person
  'approved', // someone approved; an execution exists
  'executing',
  'executed',
  'failed',
  'rolled_back',
  'stale', // no longer valid when re-validated at execution time
  'rejected',
  'ignored',
  'claimed', // Shadow IT: someone took ownership
  'exempted', // Shadow IT: excluded until exempt_until
  'resolved', // not seen any more by a full scan
  'superseded', // a newer recommendation for the same resource replaced it (engine/approval-lifecycle.ts)
]);

export const executionStatus = pgEnum('execution_status', [
  'pending',
  'awaiting_approval',
  'approved',
  'validating',
  'executing',
  'verifying',
  'succeeded',
  'failed',
  'stale',
  'rolling_back',
  'rolled_back',
  'cancelled',
]);

/** A persisted step of an execution: started (committed before it acts), then done or failed. */
export const stepStatus = pgEnum('step_status', ['running', 'done', 'failed']);

export const accounts = pgTable('accounts', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull().unique(),
  awsAccountId: text('aws_account_id'),
  roleArn: text('role_arn'),
  externalId: text('external_id').notNull(),
  environment: environment('environment').notNull().default('LAB'),
  regions: text('regions').array().notNull().default(sql`'{}'::text[]`),
  slackChannel: text('slack_channel'),
  approvers: text('approvers').array().notNull().default(sql`'{}'::text[]`),
  status: accountStatus('status').notNull().default('pending'),
  // null = the careful default: terminate in LAB, notify in PROD.
  shadowItAction: shadowItAction('shadow_it_action'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  verifiedAt: ts('verified_at'),
});

export const recommendations = pgTable(
  'recommendations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    fingerprint: text('fingerprint').notNull().unique(),
    kind: text('kind').notNull(), // scanner kind, or 'spot-lab' | 'spot-asg' | 'spot-k8s'
    executor: text('executor').notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    resourceId: text('resource_id').notNull(),
    title: text('title').notNull(),
    params: jsonb('params').notNull().$type<unknown>(),
    evidence: jsonb('evidence').notNull().$type<Record<string, unknown>>(),
    monthlySavingsUsd: doublePrecision('monthly_savings_usd').notNull().default(0),
    riskLevel: riskLevel('risk_level').notNull().default('LOW'),
    riskScore: doublePrecision('risk_score'),
    modelVersion: text('model_version'),
    status: recommendationStatus('status').notNull().default('open'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    snoozedUntil: ts('snoozed_until'),
    dueAt: ts('due_at'), // grace-period deadline (Shadow IT)
    exemptUntil: ts('exempt_until'),
    // Hash of what a scan says about the finding (title, params, evidence, estimate, risk, due):
    // a re-scan that finds it unchanged only bumps last_seen_at.
    contentHash: text('content_hash'),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    // A person's wish (`/spot schedule`, the Schedule button) made before approval: applied to
    // the execution the approval queues. null = as soon as approved, at the default priority.
    requestedRunAt: ts('requested_run_at'),
    requestedPriority: integer('requested_priority'),
    requestedBy: text('requested_by'),
  },
  (t) => [
    index('recommendations_scope_idx').on(t.accountId, t.region, t.kind, t.status),
    index('recommendations_due_idx').on(t.status, t.dueAt),
  ],
);

/** Execution statuses that are not final: waiting for people, queued, or running. */
export const LIVE_EXECUTION_STATUSES = [
  'pending',
  'awaiting_approval',
  'approved',
  'validating',
  'executing',
  'verifying',
  'rolling_back',
] as const satisfies (typeof executionStatus.enumValues)[number][];

export const executions = pgTable(
  'executions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    recommendationId: integer('recommendation_id').references(() => recommendations.id, {
      onDelete: 'set null',
    }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    executor: text('executor').notNull(),
    params: jsonb('params').notNull().$type<unknown>(),
    batchId: text('batch_id'),
    requestedBy: text('requested_by').notNull(),
    approvedBy: text('approved_by'),
    priority: integer('priority').notNull().default(100), // lower runs first
    scheduledFor: ts('scheduled_for').notNull().defaultNow(),
    dryRun: boolean('dry_run').notNull(),
    riskLevel: riskLevel('risk_level').notNull().default('LOW'),
    status: executionStatus('status').notNull().default('pending'),
    attempt: integer('attempt').notNull().default(0),
    /** The worker running it and until when; a heartbeat extends it, any worker takes over after. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: ts('lease_expires_at'),
    summary: text('summary'),
    undo: jsonb('undo').$type<unknown>(),
    error: text('error'),
    estimatedMonthlySavings: doublePrecision('estimated_monthly_savings'),
    /** What was approved (engine/plan-hash.ts): re-checked before the execution runs. */
    planHash: text('plan_hash'),
    evidenceHash: text('evidence_hash'),
    /** Approved by the account's policy (LOW, under the threshold), not by a person. */
    autoApproved: boolean('auto_approved').notNull().default(false),
    /** Why an approved execution waits (freeze, maintenance window); null when it does not. */
    waitReason: text('wait_reason'),
    actualMonthlySavings: doublePrecision('actual_monthly_savings'),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('executions_queue_idx').on(t.status, t.priority, t.scheduledFor),
    index('executions_batch_idx').on(t.batchId, t.status),
    // One live execution per recommendation: a double click cannot start a second one.
    uniqueIndex('executions_one_live_per_recommendation')
      .on(t.recommendationId)
      .where(
        sql`${t.status} in ('pending','awaiting_approval','approved','validating','executing','verifying','rolling_back')`,
      ),
  ],
);

// Append-only: a trigger (see migrations) rejects UPDATE and DELETE; code only inserts.
export const auditEvents = pgTable(
  'audit_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    recommendationId: integer('recommendation_id'),
    executionId: integer('execution_id'),
    accountId: integer('account_id'),
    actor: text('actor').notNull(), // 'system' or a Slack user ID
    event: text('event').notNull(),
    detail: jsonb('detail').notNull().$type<Record<string, unknown>>().default({}),
    at: ts('at').notNull().defaultNow(),
    slackTs: text('slack_ts'),
  },
  (t) => [
    index('audit_events_recommendation_idx').on(t.recommendationId, t.id),
    index('audit_events_execution_idx').on(t.executionId, t.id),
  ],
);

// Durable step runs: one row per step of an execution, committed before the step acts and again
// with its result, so any worker that takes over an expired lease resumes where the last one stopped.
/** How a batch's executions are let through the queue (src/engine/batches.ts). */
export const BATCH_MODES = ['sequential', 'parallel', 'by-resource-type', 'by-region'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

// One approval of many items at once ("Approve all", `/spot approve <filter>`): its executions
// carry its id in executions.batch_id; the claim honours its mode and concurrency, and one Slack
// message per batch shows its progress (updated in place through the outbox).
export const batches = pgTable('batches', {
  id: text('id').primaryKey(),
  mode: text('mode').$type<BatchMode>().notNull().default('parallel'),
  /** Executions of the batch running at once (sequential: 1). */
  maxConcurrency: integer('max_concurrency').notNull().default(4),
  /** Stop after max_errors failures: the executions still queued are cancelled. */
  stopOnFailure: boolean('stop_on_failure').notNull().default(true),
  maxErrors: integer('max_errors').notNull().default(1),
  requestedBy: text('requested_by').notNull(),
  /** What was approved, one line: "Approve all: 12 unattached EBS volumes in lab us-east-1". */
  description: text('description').notNull(),
  slackChannel: text('slack_channel'),
  slackTs: text('slack_ts'),
  // Counts by aggregation over its executions, refreshed whenever one of them finishes.
  total: integer('total').notNull().default(0),
  succeeded: integer('succeeded').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  cancelled: integer('cancelled').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  stoppedAt: ts('stopped_at'),
  stopReason: text('stop_reason'),
  createdAt: createdAt(),
  finishedAt: ts('finished_at'),
});

export type Batch = typeof batches.$inferSelect;

export const executionSteps = pgTable(
  'execution_steps',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    executionId: integer('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    /** Unique per execution: "validate", "snapshot", "launch-clone:i-0old". */
    name: text('name').notNull(),
    status: stepStatus('status').notNull().default('running'),
    /** Times the step was started: > 1 means a takeover re-ran it (idempotently). */
    attempt: integer('attempt').notNull().default(1),
    /** The worker that last started it. */
    owner: text('owner').notNull(),
    /** What the step made or found (AWS ids); replayed instead of running the step again. */
    output: jsonb('output').$type<unknown>(),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [uniqueIndex('execution_steps_name_idx').on(t.executionId, t.name)],
);

export type ExecutionStep = typeof executionSteps.$inferSelect;

export const spotPoolRisk = pgTable(
  'spot_pool_risk',
  {
    region: text('region').notNull(),
    availabilityZone: text('availability_zone').notNull(),
    instanceType: text('instance_type').notNull(),
    isPoisoned: boolean('is_poisoned').notNull().default(false),
    poisonExpiresAt: ts('poison_expires_at'),
    interruptionCount: integer('interruption_count').notNull().default(0),
    rebalanceCount: integer('rebalance_count').notNull().default(0),
    lastInterruptionAt: ts('last_interruption_at'),
    lastRebalanceAt: ts('last_rebalance_at'),
    poisonedByAccountId: integer('poisoned_by_account_id'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.region, t.availabilityZone, t.instanceType] })],
);

export const poolEvents = pgTable(
  'pool_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    eventId: text('event_id').notNull().unique(), // EventBridge event id: the dedupe key
    kind: text('kind').notNull(), // interruption | rebalance | state-change
    accountId: integer('account_id'),
    awsAccountId: text('aws_account_id').notNull(),
    environment: environment('environment'),
    region: text('region').notNull(),
    availabilityZone: text('availability_zone'),
    instanceType: text('instance_type'),
    instanceId: text('instance_id').notNull(),
    at: ts('at').notNull(),
    raw: jsonb('raw').notNull().$type<unknown>(),
  },
  (t) => [index('pool_events_pool_idx').on(t.region, t.availabilityZone, t.instanceType, t.at)],
);

export const spotPrices = pgTable(
  'spot_prices',
  {
    region: text('region').notNull(),
    availabilityZone: text('availability_zone').notNull(),
    instanceType: text('instance_type').notNull(),
    product: text('product').notNull(), // e.g. Linux/UNIX
    at: ts('at').notNull(),
    price: doublePrecision('price').notNull(),
    filled: boolean('filled').notNull().default(false), // carried forward over a gap
  },
  (t) => [primaryKey({ columns: [t.region, t.availabilityZone, t.instanceType, t.product, t.at] })],
);

export const priceGaps = pgTable('price_gaps', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  region: text('region').notNull(),
  availabilityZone: text('availability_zone').notNull(),
  instanceType: text('instance_type').notNull(),
  product: text('product').notNull(),
  gapStart: ts('gap_start').notNull(),
  gapEnd: ts('gap_end').notNull(),
  filledPoints: integer('filled_points').notNull().default(0),
  detectedAt: createdAt(),
});

export const onDemandPrices = pgTable(
  'on_demand_prices',
  {
    region: text('region').notNull(),
    instanceType: text('instance_type').notNull(),
    operatingSystem: text('operating_system').notNull().default('Linux'),
    pricePerHour: doublePrecision('price_per_hour').notNull(),
    source: text('source').notNull(), // 'pricing-api' | 'offline'
    asOf: ts('as_of').notNull(),
    fetchedAt: ts('fetched_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.region, t.instanceType, t.operatingSystem] })],
);

export const riskModels = pgTable('risk_models', {
  version: text('version').primaryKey(),
  sha256: text('sha256').notNull(),
  card: jsonb('card').notNull().$type<Record<string, unknown>>(),
  active: boolean('active').notNull().default(false),
  fallback: boolean('fallback').notNull().default(false), // force the TypeScript evaluator
  // Where `spotops model register` copied the file (the data directory); null = committed in src/risk/model.
  path: text('path'),
  // Last time the file loaded and matched its sha256: the "last good model" when the active one fails.
  lastLoadedAt: ts('last_loaded_at'),
  createdAt: createdAt(),
});

export const riskAssessments = pgTable(
  'risk_assessments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    region: text('region').notNull(),
    availabilityZone: text('availability_zone').notNull(),
    instanceType: text('instance_type').notNull(),
    score: doublePrecision('score').notNull(),
    level: riskLevel('level').notNull(),
    modelVersion: text('model_version').notNull(),
    engine: text('engine').notNull(), // 'onnxruntime' | 'typescript' | 'rule'
    features: jsonb('features').notNull().$type<Record<string, number>>(),
    at: ts('at').notNull().defaultNow(),
    // The model's own score when the rule decided (kept so history can compare both).
    modelScore: doublePrecision('model_score'),
    // Real label, joined later (src/risk/labels.ts): an interruption warning in the pool within the horizon.
    horizonHours: integer('horizon_hours').notNull().default(168),
    interrupted: boolean('interrupted'),
    labelledAt: ts('labelled_at'),
  },
  (t) => [index('risk_assessments_pool_idx').on(t.region, t.availabilityZone, t.instanceType, t.at)],
);

// Savings measured per execution from what happened (src/engine/measured-savings.ts), refreshed
// daily until the execution is 30 days old: never the card's estimate copied.
export const measuredSavings = pgTable('measured_savings', {
  executionId: integer('execution_id')
    .primaryKey()
    .references(() => executions.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(), // recommendation kind (spot-lab, unassociated-elastic-ips, ...)
  method: text('method').notNull(), // spot-price-series | still-gone | rolled-back | not-run | replaced
  hours: doublePrecision('hours').notNull(),
  savedUsd: doublePrecision('saved_usd').notNull(), // accrued since the execution, to the cent
  onDemandUsd: doublePrecision('on_demand_usd').notNull().default(0), // On-Demand equivalent of the hours
  monthlyRateUsd: doublePrecision('monthly_rate_usd').notNull(), // 0 when nothing saves any more
  estimatedMonthlyUsd: doublePrecision('estimated_monthly_usd').notNull().default(0),
  detail: jsonb('detail').notNull().$type<Record<string, unknown>>().default({}),
  measuredAt: ts('measured_at').notNull(),
});

export const instances = pgTable(
  'instances',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    instanceId: text('instance_id').notNull(),
    instanceType: text('instance_type').notNull(),
    availabilityZone: text('availability_zone'),
    lifecycle: text('lifecycle').notNull().default('on-demand'), // on-demand | spot
    state: text('state').notNull(),
    tags: jsonb('tags').notNull().$type<Record<string, string>>().default({}),
    launchedAt: ts('launched_at'),
    pipelineMode: text('pipeline_mode'), // lab | asg | k8s | null
    authStatus: text('auth_status').notNull().default('unknown'), // authorized | unauthorized | exempt
    seenAt: ts('seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.region, t.instanceId] })],
);

// When this bot first saw a resource in a state (e.g. an EBS volume unattached): AWS keeps no
// "detached since", so the scanners remember it.
export const resourceSightings = pgTable(
  'resource_sightings',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    resourceId: text('resource_id').notNull(),
    condition: text('condition').notNull(), // e.g. 'unattached'
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    // The listing that last saw it: rows another listing stamped are forgotten at its end.
    seenBy: text('seen_by'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.region, t.resourceId, t.condition] })],
);

export const exemptions = pgTable(
  'exemptions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    resourceId: text('resource_id').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    expiresAt: ts('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [index('exemptions_resource_idx').on(t.accountId, t.region, t.resourceId)],
);

// Scan runs per account+region+scanner: only a complete run may resolve findings.
export const scanRuns = pgTable(
  'scan_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    scanner: text('scanner').notNull(),
    status: text('status').notNull(), // running | succeeded | failed
    findings: integer('findings').notNull().default(0),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('scan_runs_scope_idx').on(t.accountId, t.region, t.scanner, t.startedAt)],
);

// Every user-visible Slack effect, written in the same transaction as the state change it
// reports; the relay (slack/relay.ts) delivers rows in id order per ordering_key and retries.
export const outbox = pgTable(
  'outbox',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(), // post | reply | card_post | card_refresh | ephemeral | notice
    orderingKey: text('ordering_key').notNull(), // channel:<C> | ephemeral:<C>:<U>
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    status: text('status').notNull().default('pending'), // pending | delivered | failed | skipped
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: ts('delivered_at'),
    resultTs: text('result_ts'),
  },
  (t) => [index('outbox_pending_idx').on(t.status, t.id).where(sql`${t.status} = 'pending'`)],
);

// The last cause a scan failed with per account + region, so the channel hears it once.
export const scanFailureNotices = pgTable(
  'scan_failure_notices',
  {
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    cause: text('cause').notNull(),
    notifiedAt: ts('notified_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.region] })],
);

/** Per-account approval policy (engine/policy.ts holds its zod type and defaults). */
export const approvalPolicies = pgTable('approval_policies', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  policy: jsonb('policy').notNull().$type<unknown>(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const approvalStatus = pgEnum('approval_status', [
  'active', // counts towards the level's N while its hashes match the recommendation
  'consumed', // the N was reached; an execution carries it
  'void', // the plan or evidence changed before it ran
  'expired', // older than the policy's TTL
  'superseded', // a newer recommendation replaced the one approved
]);

// One row per approver per recommendation: N-of-M approvals (engine/approvals.ts).
export const approvals = pgTable(
  'approvals',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    recommendationId: integer('recommendation_id')
      .notNull()
      .references(() => recommendations.id, { onDelete: 'cascade' }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    level: riskLevel('level').notNull(),
    planHash: text('plan_hash').notNull(),
    evidenceHash: text('evidence_hash').notNull(),
    status: approvalStatus('status').notNull().default('active'),
    executionId: integer('execution_id'),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    endedAt: ts('ended_at'),
  },
  (t) => [
    // A double click counts once: one live approval per person per recommendation.
    uniqueIndex('approvals_one_active_per_user')
      .on(t.recommendationId, t.userId)
      .where(sql`${t.status} = 'active'`),
    index('approvals_expiry_idx').on(t.status, t.expiresAt),
  ],
);

// Approval notes shown on a card ("waits for a person: 10 automated actions this hour").
export const recommendationNotes = pgTable('recommendation_notes', {
  recommendationId: integer('recommendation_id')
    .primaryKey()
    .references(() => recommendations.id, { onDelete: 'cascade' }),
  note: text('note').notNull(),
  at: ts('at').notNull(),
});

export type Account = typeof accounts.$inferSelect;
export type Approval = typeof approvals.$inferSelect;
export type Recommendation = typeof recommendations.$inferSelect;
export type Execution = typeof executions.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type RiskLevel = (typeof riskLevel.enumValues)[number];
export type RecommendationStatus = (typeof recommendationStatus.enumValues)[number];
export type ExecutionStatus = (typeof executionStatus.enumValues)[number];

// Interruption response (issue 14). Per account: what a rebalance recommendation does, and whether
// an interruption warning starts an emergency replacement without approval. No row = the defaults
// (rebalance notify; emergency on for instances spotops moved to Spot, off for others).
export const interruptionPolicies = pgTable('interruption_policies', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  rebalance: text('rebalance').notNull().default('notify'), // ignore | notify | replace
  emergency: text('emergency').notNull().default('managed'), // managed | all | off
  updatedBy: text('updated_by'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

// One row per warned instance that spotops responded to: the guarded insert on (account, instance)
// is what makes a duplicate warning (redelivery, a second replica, a rebalance then the interruption)
// start nothing new. Times feed the replaced-before-termination rate.
export const interruptionResponses = pgTable(
  'interruption_responses',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    instanceId: text('instance_id').notNull(),
    eventId: text('event_id').notNull(),
    event: text('event').notNull(), // interruption | rebalance
    target: text('target').notNull(), // asg | lab | k8s
    action: text('action').notNull(), // replace | report (the group's Capacity Rebalancing replaces)
    executionId: integer('execution_id'),
    /** The move that put this instance (or its group) on Spot: its thread gets the story. */
    moveRecommendationId: integer('move_recommendation_id'),
    warnedAt: ts('warned_at').notNull(), // the event's time
    readAt: ts('read_at').notNull(), // when spotops read it
    deadlineAt: ts('deadline_at'), // when AWS reclaims (warning + 2 min); null for rebalance
    requestedAt: ts('requested_at'), // replacement requested (RunInstances / scale-out)
    healthyAt: ts('healthy_at'), // replacement running and healthy (InService / status ok)
    interruptedStoppedAt: ts('interrupted_stopped_at'), // the old one seen stopped/terminated
    replacementId: text('replacement_id'),
    onDemand: boolean('on_demand').notNull().default(false),
    status: text('status').notNull().default('running'), // running | replaced | reported | failed
    summary: text('summary'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('interruption_responses_instance_idx').on(t.accountId, t.instanceId),
    index('interruption_responses_warned_idx').on(t.warnedAt),
  ],
);

// Replacements that had to be On-Demand (every pool poisoned): the daily job proposes moving each
// back to Spot, through the normal recommendation flow, once a healthy pool exists.
export const onDemandFallbacks = pgTable(
  'on_demand_fallbacks',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    region: text('region').notNull(),
    instanceId: text('instance_id').notNull().unique(),
    instanceType: text('instance_type').notNull(),
    availabilityZone: text('availability_zone').notNull(), // AZ name (subnet placement)
    target: text('target').notNull(), // asg | lab | k8s
    groupName: text('group_name'),
    responseId: integer('response_id'),
    proposedRecommendationId: integer('proposed_recommendation_id'),
    proposedAt: ts('proposed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('on_demand_fallbacks_open_idx').on(t.proposedAt)],
);

export type InterruptionResponse = typeof interruptionResponses.$inferSelect;
export type OnDemandFallback = typeof onDemandFallbacks.$inferSelect;

/** What the inbox stores of a click: enough to take the decision after the ack (slack/inbox.ts). */
export interface StoredClick {
  user: string;
  channel?: string;
  value: string;
  triggerId?: string;
}

// Decision clicks (Approve, Reject, Ignore, ...) as received: one insert is the only work before
// the ack, the decision is taken after it, and a row left unprocessed by a crash is replayed.
export const interactionInbox = pgTable(
  'interaction_inbox',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    actionId: text('action_id').notNull(),
    click: jsonb('click').notNull().$type<StoredClick>(),
    receivedAt: ts('received_at').notNull(),
    /** The process handling the row holds it until then; a lapsed claim is replayed. */
    claimedUntil: ts('claimed_until').notNull(),
    attempts: integer('attempts').notNull().default(1),
    processedAt: ts('processed_at'),
    /** done | failed (gave up after attempts) | expired (too old to act on when replayed) */
    outcome: text('outcome'),
  },
  (t) => [index('interaction_inbox_unprocessed_idx').on(t.claimedUntil).where(sql`${t.processedAt} is null`)],
);
export type InboxRow = typeof interactionInbox.$inferSelect;
