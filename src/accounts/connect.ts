// `/spot connect` and `spotops accounts add`: a pending account with a fresh ExternalID, and
// everything the customer needs to deploy the role.

import { accounts } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { UserError } from '../lib/errors.js';
import { newExternalId } from '../lib/ids.js';
import {
  operatorBusArn,
  quickCreateUrl,
  roleName,
  type TemplateInput,
  templateYaml,
} from './cfn-template.js';
import { operatorAccountId } from './operator.js';
import { findAccount } from './store.js';
import { parseAccountName, parseEnvironment, parseRegions } from './validation.js';

export interface ConnectRequest {
  name: string;
  environment: 'PROD' | 'LAB';
  regions: string[];
}

export interface ConnectResult {
  accountName: string;
  environment: 'PROD' | 'LAB';
  regions: string[];
  externalId: string;
  roleName: string;
  template: string;
  quickCreateUrl: string;
}

/** `<name> [prod|lab] [region,...]`, in that order; the environment may be left out. */
export function parseConnectArgs(args: readonly string[], defaultRegion: string): ConnectRequest {
  const [rawName, second, third, ...rest] = args;
  const name = parseAccountName(rawName);
  let environment = parseEnvironment(second);
  let regionArg = third;
  if (second !== undefined && environment === undefined) {
    if (third !== undefined)
      throw new UserError(`\`${second}\` is not an environment: use \`prod\` or \`lab\`.`);
    regionArg = second; // `/spot connect name us-east-1`
  }
  if (rest.length > 0) throw new UserError('Too many words: `/spot connect <name> [prod|lab] [region,...]`.');
  environment ??= 'LAB';
  return { name, environment, regions: parseRegions(regionArg, defaultRegion) };
}

export async function connectAccount(deps: Deps, req: ConnectRequest, actor: string): Promise<ConnectResult> {
  if (await findAccount(deps.db, req.name)) {
    throw new UserError(
      `An account called \`${req.name}\` already exists. Use \`/spot accounts\` to see it, or pick another name.`,
    );
  }
  const operator = await operatorAccountId(deps.operatorSts);
  const externalId = newExternalId();
  const [row] = await deps.db
    .insert(accounts)
    .values({
      name: req.name,
      environment: req.environment,
      regions: req.regions,
      externalId,
      createdBy: actor,
      // The person who connects an account is its first approver; they can add others.
      approvers: actor === 'system' || actor.startsWith('cli:') ? [] : [actor],
      slackChannel: null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new UserError(`An account called \`${req.name}\` already exists.`);
  await audit(deps, {
    actor,
    event: 'account_connected',
    message: `Account ${req.name} (${req.environment}) created, waiting for its role`,
    accountId: row.id,
    detail: { regions: req.regions },
  });
  return {
    accountName: req.name,
    environment: req.environment,
    regions: req.regions,
    externalId,
    roleName: roleName(req.name),
    template: templateYaml(templateInputFor(deps, req.name, operator, externalId)),
    quickCreateUrl: quickCreateUrl({
      region: req.regions[0] ?? deps.config.AWS_REGION,
      accountName: req.name,
      externalId,
      templateUrl: deps.config.CFN_TEMPLATE_URL,
    }),
  };
}

/** The template for an account: its role, plus the rule forwarding EC2 Spot events to the operator's bus. */
export function templateInputFor(
  deps: Pick<Deps, 'config'>,
  accountName: string,
  operatorAccountId: string,
  externalId: string,
): TemplateInput {
  return {
    accountName,
    operatorAccountId,
    externalId,
    operatorBusArn: operatorBusArn({
      region: deps.config.AWS_REGION,
      operatorAccountId,
      busName: deps.config.EVENT_BUS_NAME,
    }),
  };
}
