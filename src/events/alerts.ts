// What the bot says in Slack about pool events: a poisoned pool gets an alert card in the
// channel of the account that saw the interruption, and an audit row.
import { getAccount } from '../accounts/store.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { formatPoolRef } from '../risk/pool-poisoning.js';
import { poolAlertCard } from '../slack/blocks/pool-alert-card.js';
import type { PoolEventOutcome } from './handle.js';

export async function announcePoolEvent(deps: Deps, outcome: PoolEventOutcome): Promise<void> {
  if (outcome.kind !== 'poisoned') return;
  const account = await getAccount(deps.db, outcome.account.id);
  const card = poolAlertCard({
    region: outcome.pool.region,
    availabilityZone: outcome.pool.az,
    instanceType: outcome.pool.instanceType,
    kind: 'interruption',
    account,
    instanceId: outcome.instanceId,
    interruptionCount: outcome.interruptionCount,
    poisonedUntil: outcome.expiresAt,
    now: deps.clock.now(),
  });
  const ref = await deps.notifier.post(
    account.slackChannel ?? deps.config.SPOTOPS_CHANNEL,
    card.text,
    card.blocks,
  );
  await audit(deps, {
    actor: 'system',
    event: 'pool_poisoned',
    message: `Pool ${formatPoolRef(outcome.pool)} poisoned until ${outcome.expiresAt.toISOString()} after an interruption of ${outcome.instanceId} in ${account.name}`,
    accountId: account.id,
    detail: { pool: outcome.pool, eventId: outcome.eventId, alert: ref.ts },
  });
}
