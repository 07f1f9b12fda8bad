// Starts the SQS consumer when a queue is configured: events -> pool risk -> Slack alerts, and the
// interruption response (events/respond.ts) for instances spotops manages.
import type { Deps } from '../deps.js';
import { announcePoolEvent } from './alerts.js';
import { Consumer } from './consumer.js';
import { handleAndRespond } from './respond.js';

export function startEventConsumer(deps: Deps): Consumer | undefined {
  const queueUrl = deps.config.SQS_QUEUE_URL;
  if (!queueUrl) return undefined;
  const logger = deps.log.child({ module: 'events' });
  const consumer = new Consumer({
    sqs: deps.operator.sqs(),
    queueUrl,
    logger,
    handle: async (event) => (await handleAndRespond(deps, event, logger)).outcome,
    onPoolEvent: (outcome) => announcePoolEvent(deps, outcome),
  });
  consumer.start();
  return consumer;
}
