// AWS clients per account+region+actor, built from assumed-role credentials. Standard endpoint
// resolution only (AWS_ENDPOINT_URL and friends work); adaptive retry handles throttling, behind
// the per-account+region request budget (request-budget.ts) every attempt waits for.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { systemClock } from '../lib/clock.js';
import { type CredentialBroker, type RoleTarget, SYSTEM_ACTOR } from './credentials.js';
import { RequestBudget, withRequestBudget } from './request-budget.js';
import { autoScalingSdk, ec2Sdk, eksSdk, eventBridgeSdk, savingsPlansSdk, stsSdk } from './sdk.js';

export interface AccountAccess {
  ec2(region: string): EC2Client;
  autoScaling(region: string): AutoScalingClient;
  eks(region: string): EKSClient;
  eventBridge(region: string): EventBridgeClient;
  sts(region: string): STSClient;
  /** Savings Plans is a global API (us-east-1 endpoint). */
  savingsPlans(): SavingsplansClient;
}

type Ctor<C> = new (cfg: {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  retryMode: string;
  maxAttempts: number;
}) => C;

export class AwsClientFactory {
  readonly #clients = new Map<string, unknown>();
  constructor(
    readonly broker: CredentialBroker,
    /** Shared by every client of the process: AWS counts per account + region, not per client. */
    readonly budget: RequestBudget = new RequestBudget(systemClock),
  ) {}

  /** Clients acting in a customer account as `actor` (its STS session name). */
  forAccount(target: RoleTarget, actor: string = SYSTEM_ACTOR): AccountAccess {
    const make = <C>(ctor: Ctor<C>, name: string, region: string): C => {
      const key = `${name}|${target.roleArn}|${actor}|${region}`;
      let client = this.#clients.get(key) as C | undefined;
      if (!client) {
        client = withRequestBudget(
          new ctor({
            region,
            credentials: this.broker.provider(target, actor),
            retryMode: 'adaptive',
            maxAttempts: 5,
          }),
          this.budget,
          { account: target.roleArn, region, service: name },
        );
        this.#clients.set(key, client);
      }
      return client;
    };
    return {
      ec2: (region) => make(ec2Sdk.EC2Client, 'ec2', region),
      autoScaling: (region) => make(autoScalingSdk.AutoScalingClient, 'asg', region),
      eks: (region) => make(eksSdk.EKSClient, 'eks', region),
      eventBridge: (region) => make(eventBridgeSdk.EventBridgeClient, 'events', region),
      sts: (region) => make(stsSdk.STSClient, 'sts', region),
      savingsPlans: () => make(savingsPlansSdk.SavingsplansClient, 'savingsplans', 'us-east-1'),
    };
  }
}
