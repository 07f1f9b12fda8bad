import { readFileSync } from 'node:fs';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountAccess } from '../../src/aws/clients.js';
import { accounts, instances, poolEvents, spotPoolRisk } from '../../src/db/schema.js';
import { Consumer } from '../../src/events/consumer.js';
import { handleEvent, type PoolEventOutcome } from '../../src/events/handle.js';
import { DAY, ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { isPoolPoisoned } from '../../src/risk/pool-poisoning.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const PROD_AWS = '111111111111';
const LAB_AWS = '222222222222';
const INSTANCE = 'i-0b662ef9931388ba0';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/999999999999/spotops-events';
const pool = { region: 'us-east-1', az: 'use1-az2', instanceType: 'm5.large' };

const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));
/** A real sample event, sent from `account` with its own event id. */
function event(name: string, account: string, id: string, time = '2026-05-01T12:00:00Z') {
  return { ...sample(name), account, id, time };
}
const INTERRUPTION = 'ec2-spot-instance-interruption-warning.nth.json';
const REBALANCE = 'ec2-instance-rebalance-recommendation.nth.json';
const STATE_CHANGE = 'ec2-instance-state-change-notification.nth.json';

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' };
const access: AccountAccess = {
  ec2: (region) => new EC2Client({ region, credentials }),
  autoScaling: (region) => new AutoScalingClient({ region, credentials }),
  eks: (region) => new EKSClient({ region, credentials }),
  eventBridge: (region) => new EventBridgeClient({ region, credentials }),
  sts: (region) => new STSClient({ region, credentials }),
};

function instanceSeen(lifecycle?: 'spot') {
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE,
            InstanceType: 'm5.large',
            Placement: { AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az2' },
            ...(lifecycle ? { InstanceLifecycle: lifecycle } : {}),
          },
        ],
      },
    ],
  });
}

let seq = 0;
const message = (body: unknown): Message => {
  seq++;
  return { MessageId: `m-${seq}`, ReceiptHandle: `rh-${seq}`, Body: JSON.stringify(body) };
};
const deleted = () => sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle);

describe('event consumer', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let logs: { level: number; msg: string; [k: string]: unknown }[];
  let outcomes: PoolEventOutcome[];
  let consumer: Consumer;
  let prodId: number;
  let labId: number;

  beforeEach(async () => {
    ec2Mock.reset();
    sqsMock.reset();
    sqsMock.on(DeleteMessageCommand).resolves({});
    t = await createTestDatabase();
    clock = new ManualClock('2026-05-01T12:00:30Z');
    logs = [];
    outcomes = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const rows = await t.db
      .insert(accounts)
      .values([
        {
          name: 'payments-prod',
          awsAccountId: PROD_AWS,
          externalId: 'x'.repeat(32),
          environment: 'PROD',
          createdBy: 'U1',
        },
        {
          name: 'sandbox',
          awsAccountId: LAB_AWS,
          externalId: 'y'.repeat(32),
          environment: 'LAB',
          createdBy: 'U1',
        },
      ])
      .returning();
    prodId = rows[0]!.id;
    labId = rows[1]!.id;
    const deps = { db: t.db, aws: () => access, clock, logger, poisonDays: 15 };
    consumer = new Consumer({
      sqs: new SQSClient({ region: 'us-east-1', credentials }),
      queueUrl: QUEUE,
      handle: (e) => handleEvent(deps, e),
      onPoolEvent: (o) => {
        outcomes.push(o);
      },
      logger,
    });
  });
  afterEach(() => t.destroy());

  const deliver = async (...bodies: unknown[]) => {
    const messages = bodies.map(message);
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: messages });
    return { messages, results: await consumer.pollOnce() };
  };

  it('long-polls for up to 10 messages for 20 seconds', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({});
    await consumer.pollOnce();
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({
      QueueUrl: QUEUE,
      WaitTimeSeconds: 20,
      MaxNumberOfMessages: 10,
    });
  });

  it('poisons the pool for every account for 15 days on a PROD interruption, then deletes the message', async () => {
    instanceSeen('spot');
    const { messages } = await deliver(event(INTERRUPTION, PROD_AWS, 'ev-1'));
    const at = new Date('2026-05-01T12:00:00Z');
    const expiresAt = new Date(at.getTime() + 15 * DAY);

    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({
      InstanceIds: [INSTANCE],
    });
    expect(outcomes).toEqual([
      {
        kind: 'poisoned',
        eventId: 'ev-1',
        pool,
        account: { id: prodId, name: 'payments-prod', environment: 'PROD', awsAccountId: PROD_AWS },
        instanceId: INSTANCE,
        expiresAt,
        interruptionCount: 1,
      },
    ]);
    expect(await isPoolPoisoned(t.db, pool, clock)).toEqual({
      poisoned: true,
      expiresAt,
      interruptionCount: 1,
    });
    const [risk] = await t.db.select().from(spotPoolRisk);
    expect(risk).toMatchObject({ poisonedByAccountId: prodId, lastInterruptionAt: at });
    expect(deleted()).toEqual([messages[0]!.ReceiptHandle]);
  });

  it('records a LAB interruption without poisoning', async () => {
    instanceSeen('spot');
    await deliver(event(INTERRUPTION, LAB_AWS, 'ev-lab'));
    expect(outcomes.map((o) => o.kind)).toEqual(['interruption-recorded']);
    expect((await isPoolPoisoned(t.db, pool, clock)).poisoned).toBe(false);
    expect(await t.db.select().from(spotPoolRisk)).toEqual([]);
    const rows = await t.db.select().from(poolEvents);
    expect(rows).toMatchObject([
      {
        eventId: 'ev-lab',
        kind: 'interruption',
        environment: 'LAB',
        accountId: labId,
        availabilityZone: 'use1-az2',
      },
    ]);
    expect(deleted()).toHaveLength(1);
  });

  it('changes nothing on a duplicate delivery of the same event id', async () => {
    instanceSeen('spot');
    const body = event(INTERRUPTION, PROD_AWS, 'ev-dup');
    await deliver(body);
    const before = await t.db.select().from(spotPoolRisk);
    await deliver(body);

    expect(outcomes.map((o) => o.kind)).toEqual(['poisoned', 'duplicate']);
    expect(await t.db.select().from(spotPoolRisk)).toEqual(before);
    expect(before[0]!.interruptionCount).toBe(1);
    expect(await t.db.select().from(poolEvents)).toHaveLength(1);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(deleted()).toHaveLength(2);
  });

  it('drops an event from an account that is not connected, with a log line', async () => {
    const { results } = await deliver(event(INTERRUPTION, '333333333333', 'ev-unknown'));
    expect(results[0]).toMatchObject({
      status: 'handled',
      outcome: { kind: 'dropped', reason: 'unknown-account' },
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        msg: 'event from an AWS account that is not connected; dropped',
        awsAccountId: '333333333333',
        eventId: 'ev-unknown',
      }),
    );
    expect(deleted()).toHaveLength(1);
    expect(await t.db.select().from(poolEvents)).toEqual([]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('counts a rebalance recommendation without poisoning', async () => {
    instanceSeen('spot');
    await deliver(event(REBALANCE, PROD_AWS, 'ev-rb'));
    expect(outcomes).toMatchObject([{ kind: 'rebalance', pool, rebalanceCount: 1 }]);
    expect(await isPoolPoisoned(t.db, pool, clock)).toEqual({ poisoned: false, interruptionCount: 0 });
    const [risk] = await t.db.select().from(spotPoolRisk);
    expect(risk).toMatchObject({ isPoisoned: false, rebalanceCount: 1 });
  });

  it('leaves a message whose handling failed on the queue, and handles the redelivery', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }));
    const body = event(INTERRUPTION, PROD_AWS, 'ev-retry');
    const { results } = await deliver(body);
    expect(results[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('Rate exceeded') });
    expect(deleted()).toEqual([]);
    expect(await t.db.select().from(poolEvents)).toEqual([]);
    expect(logs.some((l) => l.msg === 'event handling failed; left on the queue for redelivery')).toBe(true);

    instanceSeen('spot');
    await deliver(body);
    expect(outcomes.map((o) => o.kind)).toEqual(['poisoned']);
    expect(deleted()).toHaveLength(1);
  });

  it('finds the pool in the inventory when EC2 no longer knows the instance', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(
        Object.assign(new Error('The instance ID does not exist'), { name: 'InvalidInstanceID.NotFound' }),
      );
    await t.db.insert(instances).values({
      accountId: prodId,
      region: 'us-east-1',
      instanceId: 'i-abcd1111',
      instanceType: 'c5.xlarge',
      availabilityZone: 'us-east-1c',
      lifecycle: 'spot',
      state: 'running',
    });
    await deliver({
      ...event(STATE_CHANGE, PROD_AWS, 'ev-sc'),
      detail: { 'instance-id': 'i-abcd1111', state: 'terminated' },
    });
    expect(outcomes).toMatchObject([
      {
        kind: 'state-change',
        state: 'terminated',
        pool: { region: 'us-east-1', az: 'us-east-1c', instanceType: 'c5.xlarge' },
      },
    ]);
  });

  it('records an interruption it cannot place without a pool, and ignores On-Demand state changes', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await deliver(event(INTERRUPTION, PROD_AWS, 'ev-lost'));
    expect(outcomes).toMatchObject([{ kind: 'unattributed', event: 'interruption' }]);
    expect(await t.db.select().from(spotPoolRisk)).toEqual([]);

    instanceSeen();
    await deliver({
      ...event(STATE_CHANGE, PROD_AWS, 'ev-od'),
      detail: { 'instance-id': INSTANCE, state: 'stopped' },
    });
    expect(outcomes.at(-1)).toEqual({ kind: 'ignored', eventId: 'ev-od', reason: 'not a Spot instance' });
    expect((await t.db.select().from(poolEvents)).map((r) => r.eventId)).toEqual(['ev-lost']);
  });

  it('deletes a message that is not a supported event, with a log line', async () => {
    const { results } = await deliver({ hello: 'world' });
    expect(results[0]).toMatchObject({ status: 'rejected' });
    expect(deleted()).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'message dropped')).toBe(true);
  });

  it('still deletes the message when onPoolEvent throws', async () => {
    instanceSeen('spot');
    const throwing = new Consumer({
      sqs: new SQSClient({ region: 'us-east-1', credentials }),
      queueUrl: QUEUE,
      handle: async () => ({ kind: 'duplicate', eventId: 'x' }),
      onPoolEvent: () => {
        throw new Error('Slack is down');
      },
      logger: silentLogger,
    });
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(event(REBALANCE, PROD_AWS, 'ev-x'))] });
    expect(await throwing.pollOnce()).toMatchObject([{ status: 'handled' }]);
    expect(deleted()).toHaveLength(1);
  });
});

describe('Consumer.start/stop', () => {
  it('ends a pending long poll promptly on stop()', async () => {
    let receives = 0;
    // A queue that never answers: each receive waits until its request is aborted.
    const sqs = {
      send: (_cmd: unknown, opts?: { abortSignal?: AbortSignal }) => {
        receives++;
        return new Promise((_, reject) =>
          opts?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
          ),
        );
      },
    } as unknown as SQSClient;
    const consumer = new Consumer({
      sqs,
      queueUrl: QUEUE,
      handle: async () => ({ kind: 'duplicate', eventId: 'x' }),
      logger: silentLogger,
    });
    consumer.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(consumer.running).toBe(true);
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(consumer.running).toBe(false);
    expect(receives).toBe(1);
  });

  it('keeps polling after a failed receive', async () => {
    let receives = 0;
    const sqs = {
      send: async () => {
        receives++;
        if (receives === 1) throw new Error('network down');
        return {};
      },
    } as unknown as SQSClient;
    const consumer = new Consumer({
      sqs,
      queueUrl: QUEUE,
      handle: async () => ({ kind: 'duplicate', eventId: 'x' }),
      logger: silentLogger,
      errorBackoffMs: 1,
    });
    consumer.start();
    await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
    expect(receives).toBeGreaterThan(1);
  });
});
