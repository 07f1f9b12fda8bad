// Real AWS SDK clients whose middleware stack answers from the simulator: an 'initialize' step
// returns { output, response } before anything is serialized, signed or sent. Everything above the
// client (paginators, waiters, error handling, the dry-run helper) runs unchanged.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PricingClient } from '@aws-sdk/client-pricing';
import { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { STSClient } from '@aws-sdk/client-sts';
import type { AccountAccess } from '../aws/clients.js';
import { sessionName } from '../aws/credentials.js';
import type { Service, Simulator } from './simulator.js';

const CREDENTIALS = { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox' };

interface Stackable {
  middlewareStack: {
    add(mw: unknown, opts: { step: 'initialize'; name: string; priority: 'high' }): void;
  };
}

/** Installs the simulator on a client: every command it sends is answered by `sim`. */
export function simulated<C extends Stackable>(
  client: C,
  sim: Simulator,
  service: Service,
  where: { account: string; region: string; session?: string },
): C {
  client.middlewareStack.add(
    (_next: unknown, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const output = sim.handle(service, context.commandName ?? '', args.input, where) as Record<
          string,
          unknown
        >;
        return {
          output: { ...output, $metadata: { httpStatusCode: 200, requestId: 'sandbox', attempts: 1 } },
          response: { statusCode: 200, headers: {}, body: undefined },
        };
      },
    { step: 'initialize', name: 'spotopsSandbox', priority: 'high' },
  );
  return client;
}

/** The AccountAccess of a simulated account, acting as `actor` (cached per region). */
export function sandboxAccess(sim: Simulator, awsAccountId: string, actor: string): AccountAccess {
  const cache = new Map<string, unknown>();
  const session = sessionName(actor);
  const make = <C extends Stackable>(key: string, service: Service, region: string, build: () => C): C => {
    let client = cache.get(`${key}|${region}`) as C | undefined;
    if (!client) {
      client = simulated(build(), sim, service, { account: awsAccountId, region, session });
      cache.set(`${key}|${region}`, client);
    }
    return client;
  };
  const cfg = (region: string) => ({ region, credentials: CREDENTIALS });
  return {
    ec2: (region) => make('ec2', 'ec2', region, () => new EC2Client(cfg(region))),
    autoScaling: (region) => make('asg', 'autoscaling', region, () => new AutoScalingClient(cfg(region))),
    eks: (region) => make('eks', 'eks', region, () => new EKSClient(cfg(region))),
    // EventBridge rules (forwarding Spot events) are not simulated: a call says so.
    eventBridge: (region) => make('events', 'pricing', region, () => new EventBridgeClient(cfg(region))),
    sts: (region) => make('sts', 'sts', region, () => new STSClient(cfg(region))),
    savingsPlans: () =>
      make('sp', 'savingsplans', 'us-east-1', () => new SavingsplansClient(cfg('us-east-1'))),
  };
}

/** The operator's STS when no real AWS credentials are present: the sandbox operator account answers. */
export function sandboxOperatorSts(sim: Simulator, operatorAccount: string, region: string): STSClient {
  return simulated(new STSClient({ region, credentials: CREDENTIALS }), sim, 'sts', {
    account: operatorAccount,
    region,
    session: 'spotops-operator',
  });
}

/**
 * A Pricing client that the sandbox answers with "not simulated": spotops then uses its offline
 * On-Demand price table, as it does whenever the Pricing API cannot be reached.
 */
export function sandboxPricing(sim: Simulator, operatorAccount: string, region: string): PricingClient {
  return simulated(new PricingClient({ region, credentials: CREDENTIALS }), sim, 'pricing', {
    account: operatorAccount,
    region,
  });
}
