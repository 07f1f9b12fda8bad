// The console's "Spot interruption" control: builds the EventBridge event AWS sends two minutes
// before it reclaims a Spot instance (the documented envelope) and hands it to the same handler
// and alert the SQS consumer uses. Nothing here decides anything about pools.
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { announcePoolEvent } from '../events/alerts.js';
import { handleEvent, type PoolEventOutcome } from '../events/handle.js';
import { DETAIL_TYPES, parseEventBody } from '../events/parse.js';

export interface InterruptionTarget {
  awsAccountId: string;
  region: string;
  instanceId: string;
}

/** The event as EventBridge delivers it (shape: AWS docs sample, test/fixtures/events). */
export function interruptionEvent(t: InterruptionTarget, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES.interruption,
    source: 'aws.ec2',
    account: t.awsAccountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: t.region,
    resources: [`arn:aws:ec2:${t.region}:${t.awsAccountId}:instance/${t.instanceId}`],
    detail: { 'instance-id': t.instanceId, 'instance-action': 'terminate' },
  };
}

export async function triggerInterruption(deps: Deps, t: InterruptionTarget): Promise<PoolEventOutcome> {
  const parsed = parseEventBody(JSON.stringify(interruptionEvent(t, deps.clock.now())));
  if (!parsed.ok) throw new Error(`building the interruption event for ${t.instanceId}: ${parsed.reason}`);
  const logger = deps.log.child({ module: 'events' });
  const outcome = await handleEvent(
    {
      db: deps.db,
      aws: (account) => deps.awsFor(account),
      clock: deps.clock,
      logger,
      poisonDays: deps.config.POOL_POISON_DAYS,
    },
    parsed.event,
  );
  await announcePoolEvent(deps, outcome);
  return outcome;
}
