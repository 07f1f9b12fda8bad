// `spotops events setup`: the operator side of event forwarding (SQS queue + its policy, an EventBridge
// rule for the three EC2 events, the queue as the rule's target, and optionally a custom bus that
// customer accounts may PutEvents to), created idempotently: a second run changes nothing. Also the
// customer side as CloudFormation resources, for the onboarding template.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { eventBridgeSdk, sqsSdk, stsSdk } from '../aws/sdk.js';
import { awsErrorCode } from '../lib/errors.js';
import { EC2_EVENT_PATTERN } from './parse.js';

export const DEFAULT_QUEUE_NAME = 'spotops-events';
export const DEFAULT_RULE_NAME = 'spotops-ec2-spot-events';
export const CUSTOM_BUS_NAME = 'spotops-events';
const TARGET_ID = 'spotops-queue';
const QUEUE_POLICY_SID = 'spotops-eventbridge';

export interface SetupClients {
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  sts: STSClient;
}

export interface SetupOptions {
  /** The rule's bus: 'default' (operator account events only) or the custom bus customers forward to. */
  bus?: 'default' | 'custom';
  busName?: string;
  queueName?: string;
  ruleName?: string;
  /** Customer AWS account ids allowed to PutEvents to the custom bus. */
  allowAccounts?: readonly string[];
  /** Or a whole AWS Organization (aws:PrincipalOrgID). */
  organizationId?: string;
}

const isMissing = (err: unknown, ...codes: string[]) => codes.includes(awsErrorCode(err) ?? '');

/** JSON with sorted keys, so two policies or patterns compare by meaning, not by key order. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value));
}

const statementIds = (policy: string | undefined): Set<string> => {
  if (!policy) return new Set();
  const doc = JSON.parse(policy) as { Statement?: { Sid?: string }[] };
  return new Set((doc.Statement ?? []).map((s) => s.Sid ?? ''));
};

async function ensureBus(eb: EventBridgeClient, name: string, opts: SetupOptions, lines: string[]) {
  let policy: string | undefined;
  let arn: string | undefined;
  try {
    const bus = await eb.send(new eventBridgeSdk.DescribeEventBusCommand({ Name: name }));
    policy = bus.Policy;
    arn = bus.Arn;
    lines.push(`event bus ${name} already exists`);
  } catch (err) {
    if (!isMissing(err, 'ResourceNotFoundException'))
      throw new Error(`describing event bus ${name}`, { cause: err });
    const created = await eb.send(new eventBridgeSdk.CreateEventBusCommand({ Name: name }));
    arn = created.EventBusArn;
    lines.push(`created event bus ${name}`);
  }
  const have = statementIds(policy);
  const grants = [
    ...(opts.allowAccounts ?? []).map((account) => ({ sid: `spotops-${account}`, principal: account })),
    ...(opts.organizationId ? [{ sid: `spotops-org-${opts.organizationId}`, principal: '*' }] : []),
  ];
  for (const g of grants) {
    if (have.has(g.sid)) {
      lines.push(
        `bus ${name} already allows PutEvents from ${g.principal === '*' ? opts.organizationId : g.principal}`,
      );
      continue;
    }
    await eb.send(
      new eventBridgeSdk.PutPermissionCommand({
        EventBusName: name,
        Action: 'events:PutEvents',
        Principal: g.principal,
        StatementId: g.sid,
        ...(g.principal === '*'
          ? { Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: opts.organizationId } }
          : {}),
      }),
    );
    lines.push(
      `allowed PutEvents to bus ${name} from ${g.principal === '*' ? `organization ${opts.organizationId}` : g.principal}`,
    );
  }
  return arn;
}

async function ensureQueue(sqs: SQSClient, name: string, lines: string[]) {
  let url: string | undefined;
  try {
    url = (await sqs.send(new sqsSdk.GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    lines.push(`queue ${name} already exists`);
  } catch (err) {
    if (!isMissing(err, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) {
      throw new Error(`looking up queue ${name}`, { cause: err });
    }
    url = (
      await sqs.send(
        new sqsSdk.CreateQueueCommand({
          QueueName: name,
          Attributes: {
            ReceiveMessageWaitTimeSeconds: '20',
            VisibilityTimeout: '60',
            MessageRetentionPeriod: String(4 * 24 * 3600),
            SqsManagedSseEnabled: 'true',
          },
        }),
      )
    ).QueueUrl;
    lines.push(`created queue ${name}`);
  }
  if (!url) throw new Error(`queue ${name} has no URL`);
  const attrs = await sqs.send(
    new sqsSdk.GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
  );
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no ARN`);
  return { url, arn, policy: attrs.Attributes?.Policy };
}

/** Creates (or confirms) everything the operator side needs; returns one line per thing done or found. */
export async function setupEventForwarding(
  clients: SetupClients,
  opts: SetupOptions = {},
): Promise<string[]> {
  const lines: string[] = [];
  const { eventBridge: eb, sqs } = clients;
  const identity = await clients.sts.send(new stsSdk.GetCallerIdentityCommand({}));
  lines.push(`operator account ${identity.Account}`);
  const busName = opts.bus === 'custom' ? (opts.busName ?? CUSTOM_BUS_NAME) : 'default';
  const busArn = busName === 'default' ? undefined : await ensureBus(eb, busName, opts, lines);

  const queue = await ensureQueue(sqs, opts.queueName ?? DEFAULT_QUEUE_NAME, lines);

  const ruleName = opts.ruleName ?? DEFAULT_RULE_NAME;
  const pattern = canonical(EC2_EVENT_PATTERN);
  let ruleArn: string | undefined;
  try {
    const rule = await eb.send(
      new eventBridgeSdk.DescribeRuleCommand({ Name: ruleName, EventBusName: busName }),
    );
    ruleArn = rule.Arn;
    const same = rule.EventPattern && canonical(JSON.parse(rule.EventPattern)) === pattern;
    if (same && rule.State === 'ENABLED') lines.push(`rule ${ruleName} already matches the EC2 Spot events`);
    else {
      ruleArn = (
        await eb.send(
          new eventBridgeSdk.PutRuleCommand({
            Name: ruleName,
            EventBusName: busName,
            EventPattern: pattern,
            State: 'ENABLED',
          }),
        )
      ).RuleArn;
      lines.push(`updated rule ${ruleName} (pattern or state had drifted)`);
    }
  } catch (err) {
    if (!isMissing(err, 'ResourceNotFoundException'))
      throw new Error(`describing rule ${ruleName}`, { cause: err });
    ruleArn = (
      await eb.send(
        new eventBridgeSdk.PutRuleCommand({
          Name: ruleName,
          EventBusName: busName,
          EventPattern: pattern,
          State: 'ENABLED',
          Description: 'spotops: EC2 Spot interruption warnings, rebalance recommendations, state changes',
        }),
      )
    ).RuleArn;
    lines.push(`created rule ${ruleName} on bus ${busName}`);
  }
  if (!ruleArn) throw new Error(`rule ${ruleName} has no ARN`);

  // The queue accepts messages from this rule only; other statements in the policy are kept.
  const ours = {
    Sid: QUEUE_POLICY_SID,
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queue.arn,
    Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
  };
  const current = queue.policy
    ? (JSON.parse(queue.policy) as { Version?: string; Statement?: { Sid?: string }[] })
    : {};
  const existing = (current.Statement ?? []).find((s) => s.Sid === QUEUE_POLICY_SID);
  if (existing && canonical(existing) === canonical(ours)) {
    lines.push('queue policy already allows the rule to send');
  } else {
    const policy = {
      Version: current.Version ?? '2012-10-17',
      Statement: [...(current.Statement ?? []).filter((s) => s.Sid !== QUEUE_POLICY_SID), ours],
    };
    await sqs.send(
      new sqsSdk.SetQueueAttributesCommand({
        QueueUrl: queue.url,
        Attributes: { Policy: JSON.stringify(policy) },
      }),
    );
    lines.push('set the queue policy: events.amazonaws.com may send from the rule');
  }

  const targets = await eb.send(
    new eventBridgeSdk.ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName }),
  );
  if ((targets.Targets ?? []).some((t) => t.Arn === queue.arn)) {
    lines.push(`rule ${ruleName} already targets the queue`);
  } else {
    const put = await eb.send(
      new eventBridgeSdk.PutTargetsCommand({
        Rule: ruleName,
        EventBusName: busName,
        Targets: [{ Id: TARGET_ID, Arn: queue.arn }],
      }),
    );
    if (put.FailedEntryCount) {
      const why = put.FailedEntries?.map((f) => `${f.ErrorCode}: ${f.ErrorMessage}`).join('; ');
      throw new Error(`adding the queue as target of rule ${ruleName}: ${why}`);
    }
    lines.push(`added the queue as target of rule ${ruleName}`);
  }
  lines.push(`SQS_QUEUE_URL=${queue.url}`);
  if (busArn) lines.push(`customer accounts forward to ${busArn}`);
  return lines;
}

/**
 * CloudFormation resources for the customer account: a rule on its default bus forwarding the three EC2
 * events to the operator's bus, and the role EventBridge assumes to put events cross-account. A rule sees
 * its own region only: deploy the template in every region the account uses (StackSets do this).
 */
export function eventForwardingResources(operatorBusArn: string): Record<string, unknown> {
  return {
    SpotOpsEventForwardingRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: 'Lets EventBridge forward EC2 Spot events to the spotops operator bus',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        Policies: [
          {
            PolicyName: 'spotops-put-events',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: operatorBusArn }],
            },
          },
        ],
      },
    },
    SpotOpsEventForwardingRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: 'spotops: forward EC2 Spot interruption, rebalance and state-change events',
        EventBusName: 'default',
        State: 'ENABLED',
        EventPattern: EC2_EVENT_PATTERN,
        Targets: [
          {
            Id: 'spotops-operator-bus',
            Arn: operatorBusArn,
            RoleArn: { 'Fn::GetAtt': ['SpotOpsEventForwardingRole', 'Arn'] },
          },
        ],
      },
    },
  };
}
