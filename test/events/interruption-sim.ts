// A simulated account for interruption-response tests: the EC2 + Auto Scaling fakes of
// test/executors/spot-world.ts, driven by a ManualClock that every AWS call advances by a scripted
// latency (Describe 100 ms, a status-check poll 2 s, RunInstances 1 s, other mutations 300 ms). A launched instance is
// pending for 20 s and passes its status checks 50 s after launch; a warned instance is reclaimed
// (terminated) at its deadline. Lease heartbeats, which run on real timers in production, are
// simulated on each call so an execution keeps its lease as simulated time runs.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  AttachVolumeCommand,
  type AttachVolumeCommandInput,
  DescribeAvailabilityZonesCommand,
  type DescribeAvailabilityZonesCommandInput,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeSubnetsCommand,
  type DescribeSubnetsCommandInput,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { and, inArray, isNotNull } from 'drizzle-orm';
import type { AccountAccess } from '../../src/aws/clients.js';
import type { RequestBudget } from '../../src/aws/request-budget.js';
import type { Db } from '../../src/db/client.js';
import { executions } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import type { Ec2Event } from '../../src/events/parse.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { awsError, dryRunOperation } from '../executors/context.js';
import { type SpotWorld, SUBNETS, ZONES } from '../executors/spot-world.js';

export const PROD_AWS = '123456789012';
export const LAUNCH_TO_RUNNING_MS = 20_000;
export const LAUNCH_TO_STATUS_OK_MS = 50_000;

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' };

export function latencyOf(command: string): number {
  // A status check poll stands for the waiter's cadence (production polls every 10-30 s).
  if (command === 'DescribeInstanceStatus') return 2_000;
  if (/^(Describe|Get|List)/.test(command)) return 100;
  if (command === 'RunInstances') return 1_000;
  return 300;
}

export interface Sim {
  clock: ManualClock;
  /** The account's request budget, when the simulation has one. */
  budget?: RequestBudget;
  access: AccountAccess;
  /** Simulated ms at which each instance was launched. */
  launchedAt: Map<string, number>;
  /** Simulated ms at which each warned instance is reclaimed. */
  deadlines: Map<string, number>;
  /** Every AWS command sent, with the simulated time it was sent at. */
  calls: { at: number; name: string; input: Record<string, unknown> }[];
  deps(db: Db): Deps;
  /** Runs before and after every AWS call with the simulated time (a scripted world changing). */
  onTick: ((now: number) => void)[];
  attachedVolumes: { volumeId: string; instanceId: string }[];
  /** An EventBridge warning as the queue delivers it. */
  warning(instanceId: string, id: string, kind?: 'interruption' | 'rebalance'): Ec2Event;
}

export function makeSim(
  world: SpotWorld,
  ec2: AwsClientStub<EC2Client>,
  opts: { start?: string; budget?: (clock: ManualClock) => RequestBudget } = {},
): Sim {
  const clock = new ManualClock(opts.start ?? '2026-12-01T12:00:00Z');
  const budget = opts.budget?.(clock);
  const launchedAt = new Map<string, number>();
  const deadlines = new Map<string, number>();
  const calls: Sim['calls'] = [];
  let db: Db | undefined;
  let lastBeat = 0;
  const onTick: ((now: number) => void)[] = [];
  const attachedVolumes: Sim['attachedVolumes'] = [];

  // The world as time has made it: launches become running, then status-ok; warned ones are reclaimed.
  const tick = () => {
    const now = clock.now().getTime();
    for (const [id, at] of launchedAt) {
      const i = world.instances.get(id);
      if (i?.State?.Name === 'pending' && now >= at + LAUNCH_TO_RUNNING_MS) world.setState(id, 'running');
    }
    for (const hook of onTick) hook(now);
    for (const [id, at] of deadlines) {
      const i = world.instances.get(id);
      if (now >= at && i && i.State?.Name !== 'terminated') {
        world.setState(id, 'terminated');
        // Volumes that outlive it come free.
        for (const m of i.BlockDeviceMappings ?? []) {
          const v = world.volumes.get(m.Ebs?.VolumeId ?? '');
          if (v && !m.Ebs?.DeleteOnTermination) v.State = 'available';
        }
        world.record('reclaimed by AWS');
      }
    }
  };

  ec2.on(DescribeInstanceStatusCommand).callsFake((input: DescribeInstanceStatusCommandInput) => {
    const now = clock.now().getTime();
    return {
      InstanceStatuses: (input.InstanceIds ?? []).flatMap((id) => {
        const i = world.instances.get(id);
        const at = launchedAt.get(id);
        if (i?.State?.Name !== 'running' || (at !== undefined && now < at + LAUNCH_TO_STATUS_OK_MS))
          return [];
        world.statusOk.add(id);
        return [
          {
            InstanceId: id,
            InstanceState: i.State,
            InstanceStatus: { Status: 'ok' as const },
            SystemStatus: { Status: 'ok' as const },
          },
        ];
      }),
    };
  });
  // AMIs by id, or the account's own by tag (the lab line's newest image).
  ec2.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    const all = [...world.images.values()];
    const found = input.ImageIds
      ? all.filter((i) => input.ImageIds?.includes(i.ImageId ?? ''))
      : all.filter((i) =>
          (input.Filters ?? []).every((f) =>
            (i.Tags ?? []).some((t) => `tag:${t.Key}` === f.Name && f.Values?.includes(t.Value ?? '')),
          ),
        );
    return { Images: structuredClone(found) };
  });
  ec2.on(AttachVolumeCommand, { DryRun: true }).rejects(dryRunOperation());
  ec2.on(AttachVolumeCommand, { DryRun: false }).callsFake((input: AttachVolumeCommandInput) => {
    const v = world.volumes.get(input.VolumeId ?? '');
    if (v?.State !== 'available') throw awsError('VolumeInUse', `${input.VolumeId} is ${v?.State}`);
    v.State = 'in-use';
    v.Attachments = [{ InstanceId: input.InstanceId, Device: input.Device, State: 'attached' }];
    attachedVolumes.push({ volumeId: input.VolumeId ?? '', instanceId: input.InstanceId ?? '' });
    return { VolumeId: input.VolumeId, State: 'attaching' };
  });
  // Every zone of the region when no name is given (aws/zones.ts asks that way).
  ec2.on(DescribeAvailabilityZonesCommand).callsFake((input: DescribeAvailabilityZonesCommandInput) => ({
    AvailabilityZones: (input.ZoneNames ?? Object.keys(ZONES)).map((name) => ({
      ZoneName: name,
      ZoneId: ZONES[name],
    })),
  }));
  ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => {
    const ids = input.SubnetIds ?? Object.keys(SUBNETS);
    return { Subnets: ids.map((id) => ({ SubnetId: id, AvailabilityZone: SUBNETS[id], VpcId: 'vpc-1' })) };
  });

  const wrap = <C extends { send: (...args: any[]) => Promise<any> }>(client: C): C => {
    const send = client.send.bind(client);
    client.send = (async (
      command: { constructor: { name: string }; input: Record<string, unknown> },
      ...rest: unknown[]
    ) => {
      const name = command.constructor.name.replace(/Command$/, '');
      // The account's request budget, at the priority of the calling scope (emergency, scan).
      await budget?.acquire({ account: PROD_AWS, region: 'us-east-1', service: 'ec2' }, name);
      clock.advance(latencyOf(name));
      tick();
      calls.push({ at: clock.now().getTime(), name, input: command.input });
      if (db && clock.now().getTime() - lastBeat >= 5_000) {
        lastBeat = clock.now().getTime();
        // The heartbeat production runs every 5 s of real time.
        const until = new Date(clock.now().getTime() + 15_000);
        await db
          .update(executions)
          .set({ leaseExpiresAt: until })
          .where(
            and(
              inArray(executions.status, ['validating', 'executing', 'verifying', 'rolling_back']),
              isNotNull(executions.leaseOwner),
            ),
          );
      }
      const out = await send(command as never, ...(rest as []));
      if (name === 'RunInstances' && command.input.DryRun !== true) {
        for (const i of (out as { Instances?: Instance[] }).Instances ?? []) {
          launchedAt.set(i.InstanceId as string, clock.now().getTime());
          world.setState(i.InstanceId as string, 'pending');
        }
      }
      tick();
      return out;
    }) as C['send'];
    return client;
  };

  const access: AccountAccess = {
    ec2: (region) => wrap(new EC2Client({ region, credentials })),
    autoScaling: (region) => wrap(new AutoScalingClient({ region, credentials })),
    eks: (region) => wrap(new EKSClient({ region, credentials })),
    eventBridge: (region) => new EventBridgeClient({ region, credentials }),
    sts: (region) => new STSClient({ region, credentials }),
  };

  return {
    clock,
    budget,
    access,
    launchedAt,
    deadlines,
    calls,
    onTick,
    attachedVolumes,
    deps(d) {
      db = d;
      return {
        db: d,
        clock,
        log: silentLogger,
        config: { SPOTOPS_CHANNEL: '#spotops', POOL_POISON_DAYS: 15, DRY_RUN: false },
        awsFor: () => access,
        waits: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 20 },
      } as unknown as Deps;
    },
    warning(instanceId, id, kind = 'interruption') {
      const time = clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
      if (kind === 'interruption') deadlines.set(instanceId, clock.now().getTime() + 120_000);
      const base = {
        version: '0',
        id,
        source: 'aws.ec2' as const,
        account: PROD_AWS,
        time,
        region: 'us-east-1',
        resources: [],
      };
      return kind === 'interruption'
        ? {
            ...base,
            'detail-type': 'EC2 Spot Instance Interruption Warning',
            detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
          }
        : ({
            ...base,
            'detail-type': 'EC2 Instance Rebalance Recommendation',
            detail: { 'instance-id': instanceId },
          } as Ec2Event);
    },
  };
}
