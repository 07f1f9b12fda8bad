// Starts the SQS consumer when a queue is configured: events -> pool risk -> Slack alerts, and the
// interruption response (events/respond.ts) for instances spotops manages.
import type { Deps } from '../deps.js';
import { announcePoolEvent } from './alerts.js';
import { Consumer } from './consumer.js';
import { handleEvent } from './handle.js';
import { respondToPoolEvent } from './respond.js';

export function startEventConsumer(deps: Deps): Consumer | undefined {
  const queueUrl = deps.config.SQS_QUEUE_URL;
  if (!queueUrl) return undefined;
  const logger = deps.log.child({ module: 'events' });
  const consumer = new Consumer({
    sqs: deps.operator.sqs(),
    queueUrl,
    logger,
    handle: async (event) => {
      const readAt = deps.clock.now();
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
      // The replacement is recorded and claimed before the message is deleted; it runs on in the
      // background so the next warning is read at once.
      try {
        const r = await respondToPoolEvent(deps, outcome, readAt);
        if (r.kind !== 'skipped') logger.info({ eventId: event.id, response: r.kind }, 'interruption response');
      } catch (err) {
        logger.error({ eventId: event.id, err }, 'starting the interruption response failed');
      }
      return outcome;
    },
    onPoolEvent: (outcome) => announcePoolEvent(deps, outcome),
  });
  consumer.start();
  return consumer;
}
