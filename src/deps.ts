// The services every part of the app receives from the composition root (main.ts / cli.ts).
// Tests build the same object with fakes (ManualClock, mocked AWS clients, a fake Slack).
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AccountAccess } from './aws/clients.js';
import type { WaitSettings } from './aws/waiters.js';
import type { Config } from './config.js';
import type { Database, Db } from './db/client.js';
import type { Account } from './db/schema.js';
import type { KubeConfigFactory } from './k8s/client.js';
import type { EksTokenCache } from './k8s/eks-token.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { ChatPort } from './ports.js';

export interface Deps {
  config: Config;
  database: Database;
  db: Db;
  clock: Clock;
  log: Logger;
  /** The operator's own STS (default credential chain): identity and AssumeRole. */
  operatorSts: STSClient;
  /** Clients acting as the operator itself (default credential chain). */
  operator: {
    pricing(endpointRegion: string): PricingClient;
    sqs(): SQSClient;
    eventBridge(): EventBridgeClient;
  };
  /** AWS clients in a connected account, acting as `actor` (STS session name spotops-<actor>). */
  awsFor(account: Pick<Account, 'roleArn' | 'externalId'>, actor?: string): AccountAccess;
  /**
   * Direct Slack calls for the surface only (modals need the trigger within 3 s; App Home).
   * The core never uses it: it writes outbox rows that the relay delivers.
   */
  notifier: ChatPort;
  /** How evaluations reach EKS clusters; absent = the real endpoint (tests point it at a fake). */
  kube?: { config?: KubeConfigFactory; tokens?: EksTokenCache };
  /** Overrides how long executions wait for AWS state changes; absent = production limits (tests shrink them). */
  waits?: Partial<WaitSettings>;
}
