// What spotops does about a warned instance (issue 14): an interruption warning, or a rebalance
// recommendation under the account's `replace` policy, for an instance spotops manages starts an
// emergency replacement (src/engine/emergency.ts) at once. "Manages": a lab instance it moved to
// Spot (the clone carries spotops:replaces and a succeeded spot-lab-switch exists), or a member of
// an Auto Scaling group / EKS node group it moved. The account's emergency policy decides whether
// it may act without approval: `managed` (default) for those only, `all` for any group member too,
// `off` never. A rebalance under `notify` only tells the channel. One response per instance: the
// guarded insert in interruption_responses makes a duplicate (redelivery, a second replica, the
// interruption after a rebalance) start nothing.
import type { Instance } from '@aws-sdk/client-ec2';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { describeInstances } from '../aws/asg-clone.js';
import { withPriority } from '../aws/request-budget.js';
import { REPLACES_TAG } from '../aws/spot-launch.js';
import type { DbOrTx } from '../db/client.js';
import { policyOf } from '../db/queries/interruption-policies.js';
import { claimResponse, markInterruptedStopped } from '../db/queries/interruption-responses.js';
import { type Account, executions, interruptionResponses, poolEvents } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { driveEmergency, startEmergency } from '../engine/emergency.js';
import { enqueuePost } from '../engine/outbox.js';
import type { EmergencyReplaceParams } from '../executors/emergency-replace.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { retry } from '../lib/retry.js';
import { handleEvent, type PoolEventOutcome } from './handle.js';
import type { Ec2Event } from './parse.js';

/** AWS reclaims a Spot instance two minutes after the warning. */
export const NOTICE_MS = 120_000;

export type Target =
  | { target: 'asg'; groupName: string }
  | { target: 'lab' }
  | { target: 'k8s'; cluster: string; nodegroup: string };

export interface Managed {
  target: Target;
  /** spotops moved it (or its group) to Spot; that move's recommendation, when known. */
  moved: boolean;
  moveRecommendationId?: number;
}

const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;

/** The latest succeeded move of these executors whose params match. */
async function moveOf(
  db: DbOrTx,
  accountId: number,
  executors: string[],
  match: Record<string, string>,
): Promise<{ recommendationId: number | null } | undefined> {
  const conds = Object.entries(match).map(([k, v]) => sql`${executions.params}->>${k} = ${v}`);
  const [row] = await db
    .select({ recommendationId: executions.recommendationId })
    .from(executions)
    .where(
      and(
        eq(executions.accountId, accountId),
        eq(executions.status, 'succeeded'),
        eq(executions.dryRun, false),
        inArray(executions.executor, executors),
        ...conds,
      ),
    )
    .orderBy(desc(executions.id))
    .limit(1);
  return row;
}

/** How spotops knows the instance, or undefined when it is none of its business. */
export async function classify(
  db: DbOrTx,
  accountId: number,
  instance: Instance,
): Promise<Managed | undefined> {
  const cluster = tag(instance, 'eks:cluster-name');
  const nodegroup = tag(instance, 'eks:nodegroup-name');
  if (cluster && nodegroup) {
    const move = await moveOf(db, accountId, ['spot-k8s-replace'], { cluster, nodegroup });
    return {
      target: { target: 'k8s', cluster, nodegroup },
      moved: !!move,
      moveRecommendationId: move?.recommendationId ?? undefined,
    };
  }
  const groupName = tag(instance, 'aws:autoscaling:groupName');
  if (groupName) {
    const move = await moveOf(db, accountId, ['spot-asg-swap', 'spot-k8s-replace'], { groupName });
    return {
      target: { target: 'asg', groupName },
      moved: !!move,
      moveRecommendationId: move?.recommendationId ?? undefined,
    };
  }
  const replaces = tag(instance, REPLACES_TAG);
  if (replaces) {
    const move = await moveOf(db, accountId, ['spot-lab-switch'], { instanceId: replaces });
    // A replacement of a replacement: the line goes back to the first move.
    if (move)
      return {
        target: { target: 'lab' },
        moved: true,
        moveRecommendationId: move.recommendationId ?? undefined,
      };
    const [earlier] = await db
      .select({ rec: interruptionResponses.moveRecommendationId })
      .from(interruptionResponses)
      .where(
        and(
          eq(interruptionResponses.accountId, accountId),
          eq(interruptionResponses.replacementId, instance.InstanceId ?? ''),
        ),
      )
      .limit(1);
    if (earlier)
      return { target: { target: 'lab' }, moved: true, moveRecommendationId: earlier.rec ?? undefined };
  }
  return undefined;
}

/** Which warning the outcome is, if any: an interruption (poisoned or only recorded) or a rebalance. */
function warningOf(outcome: PoolEventOutcome): 'interruption' | 'rebalance' | undefined {
  switch (outcome.kind) {
    case 'poisoned':
    case 'interruption-recorded':
      return 'interruption';
    case 'rebalance':
      return 'rebalance';
    case 'unattributed':
      return outcome.event === 'interruption' || outcome.event === 'rebalance' ? outcome.event : undefined;
    default:
      return undefined;
  }
}

export type ResponseDecision =
  | { kind: 'started'; responseId: number; executionId: number; done: Promise<unknown> }
  | { kind: 'duplicate'; instanceId: string }
  | { kind: 'notified'; instanceId: string }
  | { kind: 'skipped'; reason: string };

/**
 * Acts on a handled pool event. Returns once the response is recorded and its execution claimed
 * (so the SQS message can be deleted); `done` settles when the replacement has ended and been told.
 */
export async function respondToPoolEvent(
  deps: Deps,
  outcome: PoolEventOutcome,
  readAt: Date,
): Promise<ResponseDecision> {
  if (outcome.kind === 'state-change') {
    if (['shutting-down', 'terminated', 'stopping', 'stopped'].includes(outcome.state))
      await markInterruptedStopped(deps.db, outcome.account.id, outcome.instanceId, readAt);
    return { kind: 'skipped', reason: 'state change' };
  }
  const warned = warningOf(outcome);
  if (!warned || !('account' in outcome))
    return { kind: 'skipped', reason: `nothing to do for ${outcome.kind}` };
  const accountId = outcome.account.id;
  const policy = await policyOf(deps.db, accountId);
  if (warned === 'rebalance' && policy.rebalance === 'ignore')
    return { kind: 'skipped', reason: 'rebalance ignored' };
  if (policy.emergency === 'off' && warned === 'interruption')
    return { kind: 'skipped', reason: 'emergency policy off' };

  const account = await getAccount(deps.db, accountId);
  const [event] = await deps.db.select().from(poolEvents).where(eq(poolEvents.eventId, outcome.eventId));
  const region = event?.region ?? ('pool' in outcome ? outcome.pool.region : undefined);
  if (!region) return { kind: 'skipped', reason: 'no region' };
  // A failure here is thrown, not taken for "unknown": the caller retries within the notice.
  const [instance] = await describeInstances(deps.awsFor(account).ec2(region), [outcome.instanceId]).catch(
    (err: unknown) => {
      throw new Error(`describing the warned instance ${outcome.instanceId}`, { cause: err });
    },
  );
  if (!instance) return { kind: 'skipped', reason: `${outcome.instanceId} is unknown to EC2` };
  const managed = await classify(deps.db, accountId, instance);
  if (!managed) return { kind: 'skipped', reason: `${outcome.instanceId} is not managed by spotops` };
  const allowed = managed.moved
    ? policy.emergency !== 'off'
    : policy.emergency === 'all' && managed.target.target !== 'lab';
  if (!allowed)
    return {
      kind: 'skipped',
      reason: `the emergency policy (${policy.emergency}) does not cover ${outcome.instanceId}`,
    };

  if (warned === 'rebalance' && policy.rebalance === 'notify') {
    const channel = account.slackChannel ?? deps.config.SPOTOPS_CHANNEL;
    await deps.db.transaction(async (tx) => {
      await enqueuePost(
        tx,
        channel,
        `AWS recommends rebalancing ${outcome.instanceId} (${managed.target.target === 'asg' ? managed.target.groupName : managed.target.target}) in ${account.name}: its Spot pool is at elevated risk. The account's rebalance policy is notify; set it to replace for spotops to replace it at once.`,
      );
      await audit(
        { db: tx, log: deps.log },
        {
          actor: 'system',
          event: 'rebalance_notified',
          message: `Rebalance recommendation for ${outcome.instanceId}: notified (policy notify)`,
          accountId,
          recommendationId: managed.moveRecommendationId,
        },
      );
    });
    return { kind: 'notified', instanceId: outcome.instanceId };
  }

  const warnedAt = event?.at ?? readAt;
  const deadlineAt = warned === 'interruption' ? new Date(warnedAt.getTime() + NOTICE_MS) : null;
  // The response row, its execution and the audit row commit together: a failure in between
  // leaves nothing claimed, so a retry (below) can start it again.
  const claimed = await deps.db.transaction(async (tx) => {
    const response = await claimResponse(tx, {
      accountId,
      region,
      instanceId: outcome.instanceId,
      eventId: outcome.eventId,
      event: warned,
      target: managed.target.target,
      action: 'replace',
      moveRecommendationId: managed.moveRecommendationId ?? null,
      warnedAt,
      readAt,
      deadlineAt,
    });
    if (!response) return null;
    const params = {
      ...managed.target,
      instanceId: outcome.instanceId,
      ...(deadlineAt ? { deadline: deadlineAt.toISOString() } : {}),
    } as EmergencyReplaceParams;
    return { response, started: await startEmergency({ ...deps, db: tx }, response, params) };
  });
  if (!claimed) return { kind: 'duplicate', instanceId: outcome.instanceId };
  const { response, started } = claimed;
  const done = driveEmergency(deps, response, started).catch((err) => {
    deps.log.error({ err: describeError(err), response: response.id }, 'emergency replacement failed to run');
  });
  return { kind: 'started', responseId: response.id, executionId: started.exec.id, done };
}

const RESPOND_RETRY = { attempts: 3, baseMs: 1_000, maxMs: 4_000 } as const;

/**
 * The consumer's handler: the pool-risk effects (events/handle.ts), then the response. The
 * replacement is recorded and claimed before the message is deleted and runs on in the background,
 * so the next warning is read at once; a failure to start it is retried, then logged, never fails
 * the message (the pool is poisoned either way).
 */
export async function handleAndRespond(
  deps: Deps,
  event: Ec2Event,
  logger: Logger = deps.log,
): Promise<{ outcome: PoolEventOutcome; response?: ResponseDecision }> {
  const readAt = deps.clock.now();
  return withPriority('emergency', () => handleThenRespond(deps, event, logger, readAt));
}

async function handleThenRespond(
  deps: Deps,
  event: Ec2Event,
  logger: Logger,
  readAt: Date,
): Promise<{ outcome: PoolEventOutcome; response?: ResponseDecision }> {
  const outcome = await handleEvent(
    {
      db: deps.db,
      aws: (account) => deps.awsFor(account),
      clock: deps.clock,
      logger,
      poisonDays: deps.config.POOL_POISON_DAYS,
    },
    event,
  );
  try {
    // A transient failure (database, AWS) is retried a few times within the notice.
    const response = await retry(() => respondToPoolEvent(deps, outcome, readAt), RESPOND_RETRY);
    if (response.kind !== 'skipped')
      logger.info({ eventId: event.id, response: response.kind }, 'interruption response');
    return { outcome, response };
  } catch (err) {
    logger.error({ eventId: event.id, err: describeError(err) }, 'starting the interruption response failed');
    return { outcome };
  }
}

export type { Account };
