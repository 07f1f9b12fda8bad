// Starts the SQS consumer when a queue is configured: events -> pool risk -> Slack alerts.
import type { Deps } from '../deps.js';
import { announcePoolEvent } from './alerts.js';
import { Consumer } from './consumer.js';
import { handleEvent } from './handle.js';

export function startEventConsumer(deps: Deps): Consumer | undefined {
  const queueUrl = deps.config.SQS_QUEUE_URL;
  if (!queueUrl) return undefined;
  const logger = deps.log.child({ module: 'events' });
  const consumer = new Consumer({
    sqs: deps.operator.sqs(),
    queueUrl,
    logger,
    handle: (event) =>
      handleEvent(
        {
          db: deps.db,
          aws: (account) => deps.awsFor(account),
          clock: deps.clock,
          logger,
          poisonDays: deps.config.POOL_POISON_DAYS,
        },
        event,
      ),
    onPoolEvent: (outcome) => announcePoolEvent(deps, outcome),
  });
  consumer.start();
  return consumer;
}
