// Builds the Deps object from configuration: the only place real clients are constructed.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AccountAccess, AwsClientFactory } from './aws/clients.js';
import { CredentialBroker, SYSTEM_ACTOR } from './aws/credentials.js';
import { eventBridgeSdk, pricingSdk, sqsSdk, stsSdk } from './aws/sdk.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { openDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import type { Account } from './db/schema.js';
import type { Deps } from './deps.js';
import { type Clock, systemClock } from './lib/clock.js';
import { UserError } from './lib/errors.js';
import type { Logger } from './lib/logger.js';
import type { ChatPort } from './ports.js';
import { createWebClient, OfflineNotifier, SlackNotifier } from './slack/notifier.js';
import { OutboxRelay, type RelayOptions } from './slack/relay.js';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  const database = await openDatabase(
    config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR },
  );
  await migrate(database);
  return database;
}

export function createDeps(
  config: Config,
  database: Database,
  log: Logger,
  overrides: {
    clock?: Clock;
    operatorSts?: STSClient;
    notifier?: ChatPort;
    /** The sandbox's simulated accounts: clients for them, undefined for any real account. */
    simulatedAccess?: (account: Pick<Account, 'roleArn'>, actor: string) => AccountAccess | undefined;
    pricing?: (endpointRegion: string) => PricingClient;
  } = {},
): Deps {
  const clock = overrides.clock ?? systemClock;
  // Built on first use: the STS SDK is not loaded until something talks to AWS.
  let operatorSts = overrides.operatorSts;
  const sts = () => (operatorSts ??= new stsSdk.STSClient({ region: config.AWS_REGION }));
  const factory = new AwsClientFactory(new CredentialBroker({ sts, clock }));
  const pricing = new Map<string, PricingClient>();
  let sqs: SQSClient | undefined;
  let eventBridge: EventBridgeClient | undefined;
  return {
    config,
    database,
    db: database.db,
    clock,
    log,
    get operatorSts() {
      return sts();
    },
    operator: {
      pricing(endpointRegion) {
        const client =
          pricing.get(endpointRegion) ??
          overrides.pricing?.(endpointRegion) ??
          new pricingSdk.PricingClient({ region: endpointRegion });
        pricing.set(endpointRegion, client);
        return client;
      },
      sqs: () => (sqs ??= new sqsSdk.SQSClient({ region: config.AWS_REGION })),
      eventBridge: () =>
        (eventBridge ??= new eventBridgeSdk.EventBridgeClient({ region: config.AWS_REGION })),
    },
    awsFor(account, actor = SYSTEM_ACTOR) {
      const simulated = overrides.simulatedAccess?.(account, actor);
      if (simulated) return simulated;
      if (!account.roleArn)
        throw new UserError('That account is not verified yet: run `/spot verify` first.');
      return factory.forAccount({ roleArn: account.roleArn, externalId: account.externalId }, actor);
    },
    notifier:
      overrides.notifier ??
      (config.SLACK_BOT_TOKEN
        ? new SlackNotifier(createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL))
        : new OfflineNotifier(log)),
  };
}

/**
 * The outbox relay wired to the Slack port: the one path by which the core's messages reach
 * Slack (in order, within rate limits, retried). Operators hear about delivery problems in
 * SPOTOPS_CHANNEL.
 */
export function createRelay(deps: Deps, opts: RelayOptions = {}): OutboxRelay {
  return new OutboxRelay(
    {
      db: deps.db,
      database: deps.database,
      clock: deps.clock,
      log: deps.log.child({ module: 'outbox-relay' }),
      chat: deps.notifier,
      operatorChannel: deps.config.SPOTOPS_CHANNEL,
    },
    opts,
  );
}
