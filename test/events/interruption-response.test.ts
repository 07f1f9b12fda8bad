// Interruption response end to end, in a simulated account (test/events/interruption-sim.ts): the
// warning is read, the pool poisoned, an emergency replacement runs as a durable execution without
// approval, and the response row, the move's thread and the emergency card tell what happened.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestBudget, withPriority } from '../../src/aws/request-budget.js';
import { setPolicy } from '../../src/db/queries/interruption-policies.js';
import { replacedBeforeTerminationRate } from '../../src/db/queries/interruption-responses.js';
import {
  type Account,
  auditEvents,
  executions,
  interruptionResponses,
  onDemandFallbacks,
  outbox,
  recommendations,
  spotPoolRisk,
} from '../../src/db/schema.js';
import { reportFinishedEmergency } from '../../src/engine/emergency.js';
import { ExecutionWorker } from '../../src/engine/worker.js';
import type { Ec2Event } from '../../src/events/parse.js';
import { handleAndRespond } from '../../src/events/respond.js';
import { emergencyReplace } from '../../src/executors/emergency-replace.js';
import { type FallbackReturnSeams, proposeReturnsToSpot } from '../../src/jobs/fallback-return.js';
import { DAY } from '../../src/lib/clock.js';
import { recordInterruption } from '../../src/risk/pool-poisoning.js';
import { iamActionsSent } from '../executors/context.js';
import {
  fakeGroup,
  fakeSpotWorld,
  member,
  onDemandInstance,
  type SpotWorld,
} from '../executors/spot-world.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeSim, PROD_AWS, type Sim } from './interruption-sim.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);

const spotMember = (id: string, az: string, subnet: string): Instance =>
  onDemandInstance({
    InstanceId: id,
    InstanceLifecycle: 'spot',
    Placement: { AvailabilityZone: az, Tenancy: 'default' },
    SubnetId: subnet,
    Tags: [
      { Key: 'Name', Value: 'web' },
      { Key: 'aws:autoscaling:groupName', Value: 'web' },
    ],
  });

let t: TestDatabase;
let world: SpotWorld;
let sim: Sim;
let account: Account;
let moveRec: number;

async function movedGroup(
  executor = 'spot-asg-swap',
  params: Record<string, unknown> = { groupName: 'web', maxPrice: 0.096 },
) {
  const [rec] = await t.db
    .insert(recommendations)
    .values({
      fingerprint: `fp-${executor}`,
      kind: 'spot-asg',
      executor,
      accountId: account.id,
      region: 'us-east-1',
      resourceId: 'web',
      title: 'Move web to Spot',
      params,
      evidence: {},
      status: 'executed',
      slackChannel: 'C0MOVES',
      slackTs: '1700000000.000100',
    })
    .returning();
  await t.db.insert(executions).values({
    recommendationId: rec!.id,
    accountId: account.id,
    region: 'us-east-1',
    executor,
    params,
    requestedBy: 'U0BOB',
    approvedBy: 'U0BOB',
    dryRun: false,
    status: 'succeeded',
  });
  moveRec = rec!.id;
}

beforeEach(async () => {
  ec2.reset();
  asg.reset();
  t = await createTestDatabase();
  account = await verifiedAccount(t.db, {
    name: 'prod',
    environment: 'PROD',
    awsAccountId: PROD_AWS,
    slackChannel: 'C0PROD',
  });
  world = fakeSpotWorld(ec2, {
    instances: [
      spotMember('i-0aaa1', 'us-east-1a', 'subnet-a'),
      spotMember('i-0aaa2', 'us-east-1b', 'subnet-b'),
    ],
  });
  fakeGroup(asg, world, {
    AutoScalingGroupName: 'web',
    DesiredCapacity: 2,
    MaxSize: 2,
    Instances: [member('i-0aaa1', 'us-east-1a'), member('i-0aaa2', 'us-east-1b')],
  });
  sim = makeSim(world, ec2);
});
afterEach(async () => {
  await t.destroy();
});

async function responseRow() {
  const rows = await t.db.select().from(interruptionResponses);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('an interruption warning for a member of a group spotops moved to Spot', { timeout: 90_000 }, () => {
  it('replaces it in a healthy pool within the notice, capacity never below desired, and tells the story', async () => {
    await movedGroup();
    const deps = sim.deps(t.db);
    const warnedAt = sim.clock.now().getTime();
    const { outcome, response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-1'));
    expect(outcome.kind).toBe('poisoned');
    expect(response?.kind).toBe('started');
    if (response?.kind !== 'started') return;
    await response.done;

    const row = await responseRow();
    expect(row).toMatchObject({
      status: 'replaced',
      target: 'asg',
      onDemand: false,
      replacementId: 'i-0clone1',
    });
    // Requested < 5 s after the warning was read, healthy before AWS reclaims the old one.
    expect(row.requestedAt!.getTime() - row.readAt.getTime()).toBeLessThan(5_000);
    expect(row.healthyAt!.getTime()).toBeLessThan(warnedAt + 120_000);
    // The replacement avoided the poisoned pool (use1-az4) for the other AZ.
    expect(world.instances.get('i-0clone1')).toMatchObject({
      SubnetId: 'subnet-b',
      InstanceLifecycle: 'spot',
    });
    // Capacity: InService never below the group's desired 2 at any recorded moment.
    expect(world.steps.length).toBeGreaterThan(3);
    for (const s of world.steps) expect(s.inService, s.call).toBeGreaterThanOrEqual(2);
    expect(world.group?.DesiredCapacity).toBe(2);
    expect(world.group?.MaxSize).toBe(2);
    expect(world.group?.Instances?.map((i) => i.InstanceId).sort()).toEqual(['i-0aaa2', 'i-0clone1']);
    const attachAt = sim.calls.find((c) => c.name === 'AttachInstances')!.at;
    const detachAt = sim.calls.find((c) => c.name === 'DetachInstances')!.at;
    expect(attachAt).toBeLessThan(detachAt);

    const [exec] = await t.db.select().from(executions).where(eq(executions.id, response.executionId));
    expect(exec).toMatchObject({
      status: 'succeeded',
      priority: 0,
      approvedBy: 'system:interruption',
      executor: 'emergency-replace',
    });
    // The move's thread gets the story; a new card reports the emergency.
    const story = await t.db.select().from(auditEvents).where(eq(auditEvents.recommendationId, moveRec));
    expect(story.map((a) => a.event)).toEqual(
      expect.arrayContaining(['emergency_started', 'emergency_replaced']),
    );
    const rows = await t.db.select().from(outbox);
    expect(rows.filter((r) => r.kind === 'reply').length).toBeGreaterThanOrEqual(2);
    const card = rows.find((r) => (r.payload as { template?: string }).template === 'emergency_report');
    expect(card?.payload).toMatchObject({
      channel: 'C0PROD',
      input: { status: 'replaced', replacementId: 'i-0clone1' },
    });
    expect(await replacedBeforeTerminationRate(t.db)).toEqual({ handled: 1, replacedInTime: 1, rate: 1 });
    // The warned instance's own stop, when EC2 reports it, is the time the rate compares against.
    const stopped = {
      ...sim.warning('i-0aaa1', 'evt-stop', 'rebalance'),
      'detail-type': 'EC2 Instance State-change Notification',
      detail: { 'instance-id': 'i-0aaa1', state: 'shutting-down' },
    } as unknown as Ec2Event;
    const seenAt = sim.clock.now();
    await handleAndRespond(deps, stopped);
    expect((await responseRow()).interruptedStoppedAt).toEqual(seenAt);
    // Every action the replacement sent is one the executor declares (the write policy has it).
    const sentActions = [...iamActionsSent(ec2), ...iamActionsSent(asg, 'autoscaling')];
    expect(sentActions.filter((a) => !emergencyReplace.permissions.includes(a))).toEqual([]);
  });

  it('is reported by the worker that takes the replacement over when the one that started it died', async () => {
    await movedGroup();
    const deps = sim.deps(t.db);
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-1'));
    if (response?.kind !== 'started') throw new Error('no replacement started');
    await response.done;
    // As if the first worker died before its report: the execution is mid-run under an expired
    // lease, the response unreported, no emergency card queued.
    await t.db
      .update(executions)
      .set({
        status: 'executing',
        finishedAt: null,
        leaseOwner: 'dead-worker',
        leaseExpiresAt: new Date(sim.clock.now().getTime() - 1_000),
      })
      .where(eq(executions.id, response.executionId));
    await t.db.update(interruptionResponses).set({ status: 'running', summary: null });
    await t.db.delete(outbox);

    const worker = new ExecutionWorker(deps, { owner: 'taker' }, { slots: 1 });
    expect(await worker.drain()).toBe(1);

    expect(await responseRow()).toMatchObject({ status: 'replaced', replacementId: 'i-0clone1' });
    const cards = (await t.db.select().from(outbox)).filter(
      (r) => (r.payload as { template?: string }).template === 'emergency_report',
    );
    expect(cards).toHaveLength(1);
    // Reported once: a second report of the same finished execution changes nothing.
    const [exec] = await t.db.select().from(executions).where(eq(executions.id, response.executionId));
    await reportFinishedEmergency(deps, exec!);
    expect(
      (await t.db.select().from(outbox)).filter(
        (r) => (r.payload as { template?: string }).template === 'emergency_report',
      ),
    ).toHaveLength(1);
  });

  it('retries a transient AWS failure while starting the response, and still replaces it', async () => {
    await movedGroup();
    const base = sim.deps(t.db);
    // The response's first AWS access fails once (the pool was already placed by then).
    let accesses = 0;
    const deps = {
      ...base,
      awsFor: (...args: Parameters<typeof base.awsFor>) => {
        if (++accesses === 2) throw new Error('the role session could not be refreshed');
        return base.awsFor(...args);
      },
    };
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-1'));
    expect(response?.kind).toBe('started');
    if (response?.kind !== 'started') return;
    await response.done;
    expect(await responseRow()).toMatchObject({ status: 'replaced', replacementId: 'i-0clone1' });
    expect(accesses).toBeGreaterThan(2);
    expect(
      await t.db.select().from(executions).where(eq(executions.executor, 'emergency-replace')),
    ).toHaveLength(1);
  });

  it('still launches within its budget while a scan of 2,000 calls waits in the same account', async () => {
    await movedGroup();
    // Tokens refill as simulated time passes; a waiting call yields to the event loop meanwhile.
    sim = makeSim(world, ec2, {
      budget: (clock) => new RequestBudget(clock, () => new Promise((r) => setTimeout(r, 1))),
    });
    const deps = sim.deps(t.db);
    const scanKey = { account: PROD_AWS, region: 'us-east-1', service: 'ec2' };
    let scanned = 0;
    const scan = withPriority('scan', async () =>
      Promise.all(
        Array.from({ length: 2_000 }, () =>
          sim.budget!.acquire(scanKey, 'DescribeVolumes').then(() => scanned++),
        ),
      ),
    );
    const warnedAt = sim.clock.now().getTime();
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-busy'));
    if (response?.kind !== 'started') throw new Error('not started');
    await response.done;
    const row = await responseRow();
    expect(row.requestedAt!.getTime() - row.readAt.getTime()).toBeLessThan(5_000);
    expect(row.healthyAt!.getTime()).toBeLessThan(warnedAt + 120_000);
    // The scan was not done before the emergency: it waited behind it.
    expect(scanned).toBeLessThan(2_000);
    // Then the scan goes on at the bucket's pace as time passes.
    while (scanned < 2_000) {
      sim.clock.advance(5_000);
      await new Promise((r) => setTimeout(r, 2));
    }
    await scan;
    expect(scanned).toBe(2_000);
  });

  it('only rehearses while DRY_RUN is on: the launch is DryRun-checked, nothing changes, the card says so', async () => {
    await movedGroup();
    const live = sim.deps(t.db);
    const deps = { ...live, config: { ...live.config, DRY_RUN: true } } as typeof live;
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-dry'));
    if (response?.kind !== 'started') throw new Error('not started');
    await response.done;
    expect(await responseRow()).toMatchObject({ status: 'reported', action: 'report', replacementId: null });
    expect(world.launched).toEqual([]);
    expect(sim.calls.filter((c) => c.name === 'RunInstances').map((c) => c.input.DryRun)).toEqual([true]);
    expect(world.group?.Instances).toHaveLength(2);
    const card = (await t.db.select().from(outbox)).find(
      (r) => (r.payload as { template?: string }).template === 'emergency_report',
    );
    expect(JSON.stringify(card?.payload)).toContain('DryRun only');
  });

  it('starts one replacement when the same warning arrives twice at once, and none for a later duplicate', async () => {
    await movedGroup();
    const deps = sim.deps(t.db);
    const event = sim.warning('i-0aaa1', 'evt-dup');
    const both = await Promise.all([handleAndRespond(deps, event), handleAndRespond(deps, event)]);
    const started = both.filter((b) => b.response?.kind === 'started');
    expect(started).toHaveLength(1);
    const again = await handleAndRespond(deps, { ...event, id: 'evt-dup-other-replica' });
    expect(again.response?.kind).toBe('duplicate');
    const first = started[0]!.response;
    if (first?.kind === 'started') await first.done;
    expect(
      await t.db.select().from(executions).where(eq(executions.executor, 'emergency-replace')),
    ).toHaveLength(1);
    expect(world.launched).toEqual(['i-0clone1']);
  });

  it('falls back to On-Demand when every pool is poisoned, and the daily job proposes it back to Spot later', async () => {
    await movedGroup();
    await recordInterruption(
      t.db,
      { region: 'us-east-1', az: 'use1-az6', instanceType: 'm5.large' },
      {
        accountId: account.id,
        environment: 'PROD',
        at: sim.clock.now(),
      },
    );
    const deps = sim.deps(t.db);
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-od'));
    if (response?.kind !== 'started') throw new Error(`not started: ${JSON.stringify(response)}`);
    await response.done;
    const row = await responseRow();
    expect(row).toMatchObject({ status: 'replaced', onDemand: true });
    expect(world.instances.get(row.replacementId!)?.InstanceLifecycle).toBeUndefined();
    expect(await t.db.select().from(onDemandFallbacks)).toMatchObject([
      { instanceId: row.replacementId, instanceType: 'm5.large', target: 'asg', groupName: 'web' },
    ]);
    // Both pools of the type are poisoned, by AZ ID: the one warned about and the other.
    expect((await t.db.select().from(spotPoolRisk)).map((p) => p.availabilityZone).sort()).toEqual([
      'use1-az4',
      'use1-az6',
    ]);

    // The daily job proposes it back to Spot, through an evaluation and a card, once a pool is healthy.
    const asked: unknown[] = [];
    const evaluate = (async (_deps, req) => {
      asked.push(req);
      const [recommendation] = await t.db
        .insert(recommendations)
        .values({
          fingerprint: 'fp-return',
          kind: 'spot-asg',
          executor: 'spot-asg-swap',
          accountId: account.id,
          region: 'us-east-1',
          resourceId: 'web',
          title: 'Move web to Spot',
          params: { groupName: 'web', maxPrice: 0.096 },
          evidence: { card: {} },
        })
        .returning();
      return { recommendation: recommendation!, card: {} as never };
    }) as NonNullable<FallbackReturnSeams['evaluate']>;
    expect(await proposeReturnsToSpot(deps, { evaluate })).toEqual({ proposed: 0, waiting: 1, failed: 0 });
    sim.clock.advance(16 * DAY);
    expect(await proposeReturnsToSpot(deps, { evaluate })).toEqual({ proposed: 1, waiting: 0, failed: 0 });
    expect(asked).toEqual([
      { target: { mode: 'asg', groupName: 'web' }, account: 'prod', region: 'us-east-1' },
    ]);
    const [fallback] = await t.db.select().from(onDemandFallbacks);
    expect(fallback?.proposedRecommendationId).not.toBeNull();
    expect((await t.db.select().from(outbox)).filter((r) => r.kind === 'card_post')).toHaveLength(1);
    expect(await proposeReturnsToSpot(deps, { evaluate })).toEqual({ proposed: 0, waiting: 0, failed: 0 });
  });

  it('only reports when the group has Capacity Rebalancing on (AWS replaces it)', async () => {
    await movedGroup();
    world.group!.CapacityRebalance = true;
    const { response } = await handleAndRespond(sim.deps(t.db), sim.warning('i-0aaa1', 'evt-cr'));
    if (response?.kind !== 'started') throw new Error('not started');
    await response.done;
    expect(await responseRow()).toMatchObject({ status: 'reported', action: 'report' });
    expect(world.launched).toEqual([]);
    expect(await replacedBeforeTerminationRate(t.db)).toEqual({ handled: 0, replacedInTime: 0, rate: null });
  });

  it('leaves a group spotops did not move alone under the default policy, and replaces it under `all`', async () => {
    const deps = sim.deps(t.db);
    expect((await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-u1'))).response).toMatchObject({
      kind: 'skipped',
    });
    await setPolicy(t.db, account.id, { emergency: 'all' }, 'U0BOB', sim.clock.now());
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa2', 'evt-u2'));
    expect(response?.kind).toBe('started');
    if (response?.kind === 'started') await response.done;
  });

  it('follows the rebalance policy: notify tells the channel, replace replaces, ignore does nothing', async () => {
    await movedGroup();
    const deps = sim.deps(t.db);
    expect((await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-r1', 'rebalance'))).response?.kind).toBe(
      'notified',
    );
    await setPolicy(t.db, account.id, { rebalance: 'ignore' }, 'U0BOB', sim.clock.now());
    expect((await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-r2', 'rebalance'))).response?.kind).toBe(
      'skipped',
    );
    await setPolicy(t.db, account.id, { rebalance: 'replace' }, 'U0BOB', sim.clock.now());
    const { response } = await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-r3', 'rebalance'));
    if (response?.kind !== 'started') throw new Error('not started');
    await response.done;
    expect(await responseRow()).toMatchObject({ event: 'rebalance', status: 'replaced', deadlineAt: null });
    // The interruption that follows the rebalance does not replace a second time.
    expect((await handleAndRespond(deps, sim.warning('i-0aaa1', 'evt-r4'))).response?.kind).toBe('duplicate');
  });
});
