// Emergency executions: an interruption response runs at once, with top priority and without
// approval, as a durable execution the engine would take over after a crash like any other. When it
// ends, the response row gets its times, an On-Demand fallback is remembered, the original move's
// thread gets the story and the channel a card reporting the emergency (outbox rows; never Slack).
import { eq } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { withPriority } from '../aws/request-budget.js';
import { runningResponseOfExecution, updateResponse } from '../db/queries/interruption-responses.js';
import { rememberFallback } from '../db/queries/on-demand-fallbacks.js';
import { type Execution, executions, type InterruptionResponse } from '../db/schema.js';
import type { Deps } from '../deps.js';
import type { EmergencyOutcome, EmergencyReplaceParams } from '../executors/emergency-replace.js';
import { audit } from './audit.js';
import { runExecution, workerLease } from './executions.js';
import { enqueueTemplate } from './outbox.js';

/** Lower runs first; emergencies go before every approved change in the queue. */
export const EMERGENCY_PRIORITY = 0;
export const EMERGENCY_ACTOR = 'system:interruption';

/**
 * Inserts the execution already claimed by this worker (validating, under its lease), so no queue
 * poll stands between the warning and the launch, and runs it. Resolves when it has ended and been
 * reported.
 */
export async function runEmergency(
  deps: Deps,
  response: InterruptionResponse,
  params: EmergencyReplaceParams,
): Promise<Execution> {
  const started = await startEmergency(deps, response, params);
  return driveEmergency(deps, response, started);
}

export interface StartedEmergency {
  exec: Execution;
  lease: ReturnType<typeof workerLease>;
}

/** The execution row, claimed by this worker, and the audit line; quick, so it runs before the ack. */
export async function startEmergency(
  deps: Deps,
  response: InterruptionResponse,
  params: EmergencyReplaceParams,
): Promise<StartedEmergency> {
  const lease = workerLease();
  const now = deps.clock.now();
  const [exec] = await deps.db
    .insert(executions)
    .values({
      accountId: response.accountId,
      region: response.region,
      executor: 'emergency-replace',
      params,
      requestedBy: EMERGENCY_ACTOR,
      approvedBy: EMERGENCY_ACTOR,
      priority: EMERGENCY_PRIORITY,
      scheduledFor: now,
      // DRY_RUN holds here too: the emergency path then rehearses (DryRun checks) and changes nothing.
      dryRun: deps.config.DRY_RUN,
      riskLevel: 'HIGH',
      status: 'validating',
      attempt: 1,
      startedAt: now,
      leaseOwner: lease.owner,
      leaseExpiresAt: new Date(now.getTime() + lease.leaseMs),
    })
    .returning();
  await updateResponse(deps.db, response.id, { executionId: exec!.id });
  await audit(deps, {
    actor: 'system',
    event: 'emergency_started',
    message: `AWS warned that ${response.instanceId} will be reclaimed${response.deadlineAt ? ` at ${response.deadlineAt.toISOString()}` : ''}; spotops started an emergency replacement (execution ${exec!.id}, no approval: the account's interruption policy allows it).`,
    executionId: exec!.id,
    recommendationId: response.moveRecommendationId ?? undefined,
    accountId: response.accountId,
    detail: { response: response.id, eventId: response.eventId },
  });
  return { exec: exec!, lease };
}

/** Runs the execution to its end and reports it. */
export async function driveEmergency(
  deps: Deps,
  response: InterruptionResponse,
  started: StartedEmergency,
): Promise<Execution> {
  // Every AWS call of the replacement goes ahead of queued scan calls (aws/request-budget.ts).
  const done = await withPriority('emergency', () => runExecution(deps, started.exec, started.lease));
  await reportEmergency(deps, { ...response, executionId: started.exec.id }, done);
  return done;
}

const FINISHED: readonly Execution['status'][] = ['succeeded', 'failed', 'rolled_back', 'stale', 'cancelled'];

/**
 * After any worker finished an emergency execution (also one it took over from a crashed
 * worker): report it unless already reported.
 */
export async function reportFinishedEmergency(deps: Deps, exec: Execution): Promise<void> {
  if (exec.executor !== 'emergency-replace') return;
  const response = await runningResponseOfExecution(deps.db, exec.id);
  if (response) await reportEmergency(deps, response, exec);
}

/** Records what the execution did and tells it: the move's thread and a new emergency card. */
export async function reportEmergency(
  deps: Deps,
  response: InterruptionResponse,
  exec: Execution,
): Promise<InterruptionResponse | undefined> {
  // Not finished here (this worker lost its lease): the worker that finishes it reports.
  if (!FINISHED.includes(exec.status)) return undefined;
  // A dry run (DRY_RUN) keeps no undo: its summary is the rehearsal.
  const outcome = (
    exec.status !== 'succeeded'
      ? undefined
      : exec.dryRun
        ? { summary: exec.summary ?? 'DryRun only', onDemand: false, reportOnly: true }
        : exec.undo
  ) as EmergencyOutcome | undefined;
  const account = await getAccount(deps.db, response.accountId);
  const status = !outcome ? 'failed' : outcome.reportOnly ? 'reported' : 'replaced';
  const summary = outcome?.summary ?? exec.error ?? exec.summary ?? `execution ${exec.id} ${exec.status}`;
  return deps.db.transaction(async (tx) => {
    const row = await updateResponse(
      tx,
      response.id,
      {
        status,
        action: outcome?.reportOnly ? 'report' : 'replace',
        summary,
        replacementId: outcome?.replacementId ?? null,
        onDemand: outcome?.onDemand ?? false,
        requestedAt: outcome?.requestedAt ? new Date(outcome.requestedAt) : null,
        healthyAt: outcome?.healthyAt ? new Date(outcome.healthyAt) : null,
      },
      'running',
    );
    // Reported once: by the worker that finished it, whichever that was.
    if (!row) return undefined;
    if (outcome?.onDemand && outcome.replacementId && outcome.placement) {
      await rememberFallback(tx, {
        accountId: response.accountId,
        region: response.region,
        instanceId: outcome.replacementId,
        instanceType: outcome.placement.instanceType,
        availabilityZone: outcome.placement.az,
        target: response.target,
        groupName: (exec.params as { groupName?: string }).groupName ?? null,
        responseId: response.id,
      });
    }
    const deadline = response.deadlineAt;
    const healthyAt = row?.healthyAt;
    const inTime = healthyAt && deadline ? healthyAt <= deadline : undefined;
    const story =
      status === 'failed'
        ? `Emergency replacement of ${response.instanceId} failed: ${summary}`
        : `Emergency replacement of ${response.instanceId}: ${summary}${inTime === undefined ? '' : inTime ? ' (healthy before the two minutes ended)' : ' (healthy only after the deadline)'}.`;
    await audit(
      { db: tx, log: deps.log },
      {
        actor: 'system',
        event: `emergency_${status}`,
        message: story,
        executionId: exec.id,
        recommendationId: response.moveRecommendationId ?? undefined,
        accountId: response.accountId,
        detail: { response: response.id, onDemand: outcome?.onDemand ?? false },
      },
    );
    const channel = account.slackChannel ?? deps.config.SPOTOPS_CHANNEL;
    await enqueueTemplate(
      tx,
      channel,
      'emergency_report',
      {
        account: { name: account.name, awsAccountId: account.awsAccountId },
        region: response.region,
        instanceId: response.instanceId,
        event: response.event,
        target: response.target,
        status,
        summary,
        replacementId: outcome?.replacementId ?? null,
        onDemand: outcome?.onDemand ?? false,
        warnedAt: response.warnedAt.toISOString(),
        deadlineAt: deadline?.toISOString() ?? null,
        healthyAt: healthyAt?.toISOString() ?? null,
        executionId: exec.id,
      },
      story,
    );
    return row;
  });
}

export async function executionOf(deps: Deps, id: number): Promise<Execution | undefined> {
  const [row] = await deps.db.select().from(executions).where(eq(executions.id, id));
  return row;
}
