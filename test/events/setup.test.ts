import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../src/events/parse.js';
import { eventForwardingResources, setupEventForwarding } from '../../src/events/setup.js';

const ebMock = mockClient(EventBridgeClient);
const sqsMock = mockClient(SQSClient);
const stsMock = mockClient(STSClient);
const OPERATOR = '999999999999';
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' };
const clients = () => ({
  eventBridge: new EventBridgeClient({ region: 'us-east-1', credentials }),
  sqs: new SQSClient({ region: 'us-east-1', credentials }),
  sts: new STSClient({ region: 'us-east-1', credentials }),
});
const notFound = (name: string) => Object.assign(new Error(`${name}`), { name });

/** A small in-memory AWS: buses with policies, rules with targets, queues with attributes. */
function fakeAws() {
  const buses = new Map<string, { arn: string; statements: Record<string, unknown>[] }>();
  const rules = new Map<
    string,
    { arn: string; pattern: string; state: string; targets: { Id: string; Arn: string }[] }
  >();
  const queues = new Map<string, { url: string; arn: string; attributes: Record<string, string> }>();
  const ruleKey = (bus: string | undefined, name: string | undefined) => `${bus ?? 'default'}/${name}`;

  stsMock.on(GetCallerIdentityCommand).resolves({ Account: OPERATOR });
  ebMock.on(DescribeEventBusCommand).callsFake(({ Name }) => {
    const bus = buses.get(Name);
    if (!bus) throw notFound('ResourceNotFoundException');
    return {
      Name,
      Arn: bus.arn,
      Policy: bus.statements.length
        ? JSON.stringify({ Version: '2012-10-17', Statement: bus.statements })
        : undefined,
    };
  });
  ebMock.on(CreateEventBusCommand).callsFake(({ Name }) => {
    const arn = `arn:aws:events:us-east-1:${OPERATOR}:event-bus/${Name}`;
    buses.set(Name, { arn, statements: [] });
    return { EventBusArn: arn };
  });
  ebMock.on(PutPermissionCommand).callsFake(({ EventBusName, StatementId, Principal }) => {
    buses.get(EventBusName)!.statements.push({ Sid: StatementId, Principal: { AWS: Principal } });
    return {};
  });
  ebMock.on(DescribeRuleCommand).callsFake(({ Name, EventBusName }) => {
    const rule = rules.get(ruleKey(EventBusName, Name));
    if (!rule) throw notFound('ResourceNotFoundException');
    return { Name, Arn: rule.arn, EventPattern: rule.pattern, State: rule.state };
  });
  ebMock.on(PutRuleCommand).callsFake(({ Name, EventBusName, EventPattern, State }) => {
    const key = ruleKey(EventBusName, Name);
    const arn = `arn:aws:events:us-east-1:${OPERATOR}:rule/${key}`;
    rules.set(key, { arn, pattern: EventPattern, state: State, targets: rules.get(key)?.targets ?? [] });
    return { RuleArn: arn };
  });
  ebMock.on(ListTargetsByRuleCommand).callsFake(({ Rule, EventBusName }) => ({
    Targets: rules.get(ruleKey(EventBusName, Rule))?.targets ?? [],
  }));
  ebMock.on(PutTargetsCommand).callsFake(({ Rule, EventBusName, Targets }) => {
    rules.get(ruleKey(EventBusName, Rule))!.targets.push(...Targets);
    return { FailedEntryCount: 0, FailedEntries: [] };
  });
  sqsMock.on(GetQueueUrlCommand).callsFake(({ QueueName }) => {
    const q = queues.get(QueueName);
    if (!q) throw notFound('QueueDoesNotExist');
    return { QueueUrl: q.url };
  });
  sqsMock.on(CreateQueueCommand).callsFake(({ QueueName, Attributes }) => {
    const url = `https://sqs.us-east-1.amazonaws.com/${OPERATOR}/${QueueName}`;
    queues.set(QueueName, {
      url,
      arn: `arn:aws:sqs:us-east-1:${OPERATOR}:${QueueName}`,
      attributes: { ...Attributes },
    });
    return { QueueUrl: url };
  });
  const byUrl = (url: string) => [...queues.values()].find((q) => q.url === url)!;
  sqsMock.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }) => {
    const q = byUrl(QueueUrl);
    return {
      Attributes: { QueueArn: q.arn, ...(q.attributes.Policy ? { Policy: q.attributes.Policy } : {}) },
    };
  });
  sqsMock.on(SetQueueAttributesCommand).callsFake(({ QueueUrl, Attributes }) => {
    Object.assign(byUrl(QueueUrl).attributes, Attributes);
    return {};
  });
  return { buses, rules, queues };
}

const creates = () => [
  ...ebMock.commandCalls(CreateEventBusCommand),
  ...ebMock.commandCalls(PutPermissionCommand),
  ...ebMock.commandCalls(PutRuleCommand),
  ...ebMock.commandCalls(PutTargetsCommand),
  ...sqsMock.commandCalls(CreateQueueCommand),
  ...sqsMock.commandCalls(SetQueueAttributesCommand),
];

describe('setupEventForwarding', () => {
  beforeEach(() => {
    ebMock.reset();
    sqsMock.reset();
    stsMock.reset();
  });

  it('creates the queue, its policy, the rule and the target, and a second run creates nothing new', async () => {
    const aws = fakeAws();
    const first = await setupEventForwarding(clients(), { bus: 'custom', allowAccounts: ['111111111111'] });
    expect(first).toEqual(
      expect.arrayContaining([
        'created event bus spotops-events',
        'allowed PutEvents to bus spotops-events from 111111111111',
        'created queue spotops-events',
        'created rule spotops-ec2-spot-events on bus spotops-events',
        'set the queue policy: events.amazonaws.com may send from the rule',
        'added the queue as target of rule spotops-ec2-spot-events',
        `SQS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/${OPERATOR}/spotops-events`,
      ]),
    );
    const rule = aws.rules.get('spotops-events/spotops-ec2-spot-events')!;
    expect(JSON.parse(rule.pattern)).toEqual({
      'detail-type': [DETAIL_TYPES.interruption, DETAIL_TYPES.rebalance, DETAIL_TYPES.stateChange],
      source: ['aws.ec2'],
    });
    const queue = aws.queues.get('spotops-events')!;
    expect(rule.targets).toEqual([{ Id: 'spotops-queue', Arn: queue.arn }]);
    expect(JSON.parse(queue.attributes.Policy!).Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queue.arn,
        Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
      }),
    ]);

    const made = creates().length;
    const second = await setupEventForwarding(clients(), { bus: 'custom', allowAccounts: ['111111111111'] });
    expect(creates()).toHaveLength(made);
    expect(second.filter((l) => /^(created|allowed|set|added|updated)/.test(l))).toEqual([]);
    expect(second).toContain('rule spotops-ec2-spot-events already targets the queue');
  });

  it('repairs a rule whose pattern drifted and keeps other statements of the queue policy', async () => {
    const aws = fakeAws();
    await setupEventForwarding(clients());
    const rule = aws.rules.get('default/spotops-ec2-spot-events')!;
    rule.pattern = JSON.stringify({ source: ['aws.ec2'] });
    const queue = aws.queues.get('spotops-events')!;
    const policy = JSON.parse(queue.attributes.Policy!);
    policy.Statement.push({
      Sid: 'someone-else',
      Effect: 'Allow',
      Principal: '*',
      Action: 'sqs:GetQueueUrl',
    });
    policy.Statement[0].Condition.ArnEquals['aws:SourceArn'] = 'arn:aws:events:us-east-1:1:rule/other';
    queue.attributes.Policy = JSON.stringify(policy);

    const lines = await setupEventForwarding(clients());
    expect(lines).toContain('updated rule spotops-ec2-spot-events (pattern or state had drifted)');
    expect(lines).toContain('set the queue policy: events.amazonaws.com may send from the rule');
    const sids = JSON.parse(queue.attributes.Policy!).Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids.sort()).toEqual(['someone-else', 'spotops-eventbridge']);
    expect(ebMock.commandCalls(CreateEventBusCommand)).toHaveLength(0); // the default bus needs none
  });
});

describe('eventForwardingResources', () => {
  it('forwards the three EC2 events from the customer default bus to the operator bus through a role', () => {
    const busArn = `arn:aws:events:us-east-1:${OPERATOR}:event-bus/spotops-events`;
    const resources = eventForwardingResources(busArn) as Record<string, { Type: string; Properties: any }>;
    const rule = resources.SpotOpsEventForwardingRule!;
    const role = resources.SpotOpsEventForwardingRole!;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventPattern['detail-type']).toEqual(Object.values(DETAIL_TYPES));
    expect(rule.Properties.Targets).toEqual([
      {
        Id: 'spotops-operator-bus',
        Arn: busArn,
        RoleArn: { 'Fn::GetAtt': ['SpotOpsEventForwardingRole', 'Arn'] },
      },
    ]);
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'events.amazonaws.com',
    });
    expect(role.Properties.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn },
    ]);
  });
});
