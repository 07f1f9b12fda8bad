// What the bot says about pool events: a poisoned pool gets an alert card in the channel of the
// account that saw the interruption (an outbox row the surface renders) and an audit row.
import { getAccount } from '../accounts/store.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { enqueueTemplate } from '../engine/outbox.js';
import { formatPoolRef } from '../risk/pool-poisoning.js';
import type { PoolEventOutcome } from './handle.js';

export async function announcePoolEvent(deps: Deps, outcome: PoolEventOutcome): Promise<void> {
  if (outcome.kind !== 'poisoned') return;
  const account = await getAccount(deps.db, outcome.account.id);
  const input = {
    region: outcome.pool.region,
    availabilityZone: outcome.pool.az,
    instanceType: outcome.pool.instanceType,
    kind: 'interruption',
    account: { name: account.name, awsAccountId: account.awsAccountId },
    instanceId: outcome.instanceId,
    interruptionCount: outcome.interruptionCount,
    poisonedUntil: outcome.expiresAt,
    now: deps.clock.now(),
  };
  const channel = account.slackChannel ?? deps.config.SPOTOPS_CHANNEL;
  const text = `Pool ${formatPoolRef(outcome.pool)} poisoned after an interruption of ${outcome.instanceId}`;
  await deps.db.transaction(async (tx) => {
    const alert = await enqueueTemplate(tx, channel, 'pool_alert', input, text);
    await audit(
      { db: tx, log: deps.log },
      {
        actor: 'system',
        event: 'pool_poisoned',
        message: `Pool ${formatPoolRef(outcome.pool)} poisoned until ${outcome.expiresAt.toISOString()} after an interruption of ${outcome.instanceId} in ${account.name}`,
        accountId: account.id,
        detail: { pool: outcome.pool, eventId: outcome.eventId, alertOutbox: alert },
      },
    );
  });
}
