// Interruption-response benchmark (issue 14), run by `npm run bench` after the scale benchmark.
// Prints:
//  1. over 100 interruption warnings for members of a group spotops moved to Spot, handled by the
//     real consumer path (events/respond.ts: pool poisoning, response record, emergency execution
//     on an embedded PGlite; one warning at a time) against a fake EC2/Auto Scaling that answers at once: wall-clock
//     latency from the warning being read to the pool being poisoned, and to the replacement being
//     requested (RunInstances sent), p50 and p99;
//  2. the replaced-before-termination rate of a simulated month: 500 warnings across 50 pools over
//     30 days, with the real pool poisoning (spot_pool_risk, its expiry), the real pool choice
//     (executors/shared/emergency-pools.ts) and the real rate query, and AWS's timing modelled:
//     request latency drawn from part 1, launch-to-healthy 35-150 s (seeded), 3 % of launches
//     refused for capacity (a second launch costs 10 s more).
import { performance } from 'node:perf_hooks';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AccountAccess } from '../../src/aws/clients.js';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import {
  claimResponse,
  replacedBeforeTerminationRate,
  updateResponse,
} from '../../src/db/queries/interruption-responses.js';
import { accounts, executions, interruptionResponses, recommendations } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { handleEvent } from '../../src/events/handle.js';
import type { Ec2Event } from '../../src/events/parse.js';
import { respondToPoolEvent } from '../../src/events/respond.js';
import { choosePool, type Placement } from '../../src/executors/shared/emergency-pools.js';
import { DAY, ManualClock, systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { isPoolPoisoned, recordInterruption } from '../../src/risk/pool-poisoning.js';
import { fakeGroup, fakeSpotWorld, member, onDemandInstance } from '../executors/spot-world.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const AWS_ID = '123456789012';
const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' };
const access: AccountAccess = {
  ec2: (region) => new EC2Client({ region, credentials }),
  autoScaling: (region) => new AutoScalingClient({ region, credentials }),
  eks: (region) => new EKSClient({ region, credentials }),
  eventBridge: (region) => new EventBridgeClient({ region, credentials }),
  sts: (region) => new STSClient({ region, credentials }),
};

async function setup() {
  const database = await openDatabase({ memory: true });
  await migrate(database);
  const db = database.db;
  const [account] = await db
    .insert(accounts)
    .values({
      name: 'prod',
      environment: 'PROD',
      awsAccountId: AWS_ID,
      roleArn: `arn:aws:iam::${AWS_ID}:role/spotops`,
      externalId: 'x'.repeat(32),
      regions: ['us-east-1'],
      status: 'verified',
      createdBy: 'U0BENCH',
    })
    .returning();
  const [rec] = await db
    .insert(recommendations)
    .values({
      fingerprint: 'fp-web',
      kind: 'spot-asg',
      executor: 'spot-asg-swap',
      accountId: account!.id,
      region: 'us-east-1',
      resourceId: 'web',
      title: 'Move web to Spot',
      params: { groupName: 'web' },
      evidence: {},
      status: 'executed',
    })
    .returning();
  await db.insert(executions).values({
    recommendationId: rec!.id,
    accountId: account!.id,
    region: 'us-east-1',
    executor: 'spot-asg-swap',
    params: { groupName: 'web', maxPrice: 0.096 },
    requestedBy: 'U0BENCH',
    approvedBy: 'U0BENCH',
    dryRun: false,
    status: 'succeeded',
  });
  return { database, db, account: account! };
}

const hex = (i: number) => `i-0${i.toString(16).padStart(16, '0')}`;

async function latencies(): Promise<number[]> {
  const { database, db } = await setup();
  const ec2 = mockClient(EC2Client);
  const asg = mockClient(AutoScalingClient);
  const n = 100;
  const members: Instance[] = Array.from({ length: n }, (_, i) =>
    onDemandInstance({
      InstanceId: hex(i + 1),
      InstanceLifecycle: 'spot',
      SubnetId: i % 2 ? 'subnet-b' : 'subnet-a',
      Placement: { AvailabilityZone: i % 2 ? 'us-east-1b' : 'us-east-1a' },
      Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web' }],
    }),
  );
  const world = fakeSpotWorld(ec2, { instances: members });
  fakeGroup(asg, world, {
    AutoScalingGroupName: 'web',
    DesiredCapacity: n,
    MaxSize: n,
    Instances: members.map((m) => member(m.InstanceId as string, m.Placement?.AvailabilityZone)),
  });
  const deps = {
    db,
    clock: systemClock,
    log: silentLogger,
    config: { SPOTOPS_CHANNEL: '#spotops', POOL_POISON_DAYS: 15, DRY_RUN: false },
    awsFor: () => access,
    waits: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 30 },
  } as unknown as Deps;
  const poisoned: number[] = [];
  const requested: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = hex(i + 1);
    const event = {
      version: '0',
      id: `evt-${i}`,
      source: 'aws.ec2',
      account: AWS_ID,
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      'detail-type': 'EC2 Spot Instance Interruption Warning',
      detail: { 'instance-id': id, 'instance-action': 'terminate' },
    } as Ec2Event;
    const readAt = new Date();
    const t0 = performance.now();
    const outcome = await handleEvent(
      { db, aws: () => access, clock: systemClock, logger: silentLogger, poisonDays: 15 },
      event,
    );
    poisoned.push(performance.now() - t0);
    const r = await respondToPoolEvent(deps, outcome, readAt);
    // One at a time: the figure is spotops's own latency, not 100 executions queueing on one PGlite.
    if (r.kind === 'started') await r.done;
  }
  for (const row of await db.select().from(interruptionResponses)) {
    if (row.requestedAt) requested.push(row.requestedAt.getTime() - row.readAt.getTime());
  }
  out(`  warnings handled: ${n}, replacements requested: ${requested.length}`);
  out(
    `  warning read -> pool poisoned:        p50 ${pct(poisoned, 50).toFixed(1)} ms, p99 ${pct(poisoned, 99).toFixed(1)} ms`,
  );
  out(
    `  warning read -> replacement requested: p50 ${pct(requested, 50).toFixed(0)} ms, p99 ${pct(requested, 99).toFixed(0)} ms   (target < 5,000 ms)`,
  );
  ec2.restore();
  asg.restore();
  await database.close();
  return requested;
}

/** Mulberry32: a seeded PRNG, so the month is the same on every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function month(requestedMs: number[]) {
  const { database, db, account } = await setup();
  const clock = new ManualClock('2026-11-01T00:00:00Z');
  const rand = rng(14);
  const types = [
    'm5.large',
    'm5a.large',
    'c5.large',
    'r5.large',
    'm6i.large',
    'c6i.large',
    'r6i.large',
    'm5.xlarge',
    'c5.xlarge',
    'r5.xlarge',
  ];
  const zones = ['use1-az1', 'use1-az2', 'use1-az4', 'use1-az5', 'use1-az6'];
  const pools = types.flatMap((instanceType) => zones.map((az) => ({ instanceType, az })));
  const guard = {
    region: 'us-east-1',
    poolGuard: (p: { region: string; az: string; instanceType: string }) => isPoolPoisoned(db, p, clock),
  };
  let onDemand = 0;
  for (let i = 0; i < 500; i++) {
    clock.set(new Date(Date.parse('2026-11-01T00:00:00Z') + Math.floor(rand() * 30 * DAY)));
    const pool = pools[Math.floor(rand() * pools.length)]!;
    const warnedAt = clock.now();
    await recordInterruption(
      db,
      { region: 'us-east-1', ...pool },
      { accountId: account.id, environment: 'PROD', at: warnedAt },
      { poisonDays: 15 },
    );
    const here: Placement = {
      subnetId: `subnet-${pool.az}`,
      az: pool.az,
      azId: pool.az,
      instanceType: pool.instanceType,
    };
    // The group may launch its type (and one sibling) in any of its three zones.
    const groupZones = zones
      .filter((z) => z !== pool.az)
      .slice(0, 2)
      .concat(pool.az);
    const candidates = groupZones.flatMap((z) =>
      [pool.instanceType, types[(types.indexOf(pool.instanceType) + 1) % types.length]!].map((t) => ({
        subnetId: `subnet-${z}`,
        az: z,
        azId: z,
        instanceType: t,
      })),
    );
    const choice = await choosePool(guard, candidates, here);
    if (choice.onDemand) onDemand += 1;
    const requested = requestedMs[Math.floor(rand() * requestedMs.length)] ?? 1_000;
    const refused = rand() < 0.03 ? 10_000 : 0;
    const toHealthy = 35_000 + rand() * 115_000;
    const response = await claimResponse(db, {
      accountId: account.id,
      region: 'us-east-1',
      instanceId: hex(10_000 + i),
      eventId: `month-${i}`,
      event: 'interruption',
      target: 'asg',
      action: 'replace',
      warnedAt,
      readAt: warnedAt,
      deadlineAt: new Date(warnedAt.getTime() + 120_000),
    });
    await updateResponse(db, response!.id, {
      status: 'replaced',
      onDemand: choice.onDemand,
      requestedAt: new Date(warnedAt.getTime() + requested),
      healthyAt: new Date(warnedAt.getTime() + requested + refused + toHealthy),
    });
  }
  const rate = await replacedBeforeTerminationRate(db);
  out(
    `  warnings: ${rate.handled} across ${pools.length} pools over 30 days; On-Demand fallbacks: ${onDemand}`,
  );
  out(
    `  replaced before termination: ${rate.replacedInTime} of ${rate.handled} = ${((rate.rate ?? 0) * 100).toFixed(1)} %`,
  );
  await database.close();
}

out('Interruption response (issue 14)');
out('1. 100 warnings through the consumer path (PGlite, fake AWS answering at once):');
const requested = await latencies();
out('2. A simulated month (500 warnings, 50 pools; AWS timing modelled, see the header):');
await month(requested);
