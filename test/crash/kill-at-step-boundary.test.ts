// Acceptance (issue 8, durable step runs): a real worker process is killed with SIGKILL at a step
// boundary (the AWS call went through, its answer never arrived, the step's result is not
// committed); a new process takes over the expired lease and resumes the run to success within
// 30 s. No mutating call is made twice (the counting proxy in front of moto sees each once), no
// clone or backup is left unreported, and the audit rows tell the story in order.
// Needs PostgreSQL (TEST_DATABASE_URL, the "postgres" project) and moto_server; skips otherwise.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateLaunchTemplateCommand,
  CreateVolumeCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { auditEvents, type Execution, executionSteps, executions } from '../../src/db/schema.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { bundleChild, freePort, postgresReachable, waitFor } from '../helpers/processes.js';
import { CountingProxy } from './aws-proxy.js';

const REGION = 'us-east-1';
const MOTO_ACCOUNT = '123456789012';
const CHILD = '.crash/worker/child.mjs';
const FINAL = ['succeeded', 'failed', 'stale', 'rolled_back'];

const adminUrl = process.env.TEST_DATABASE_URL;
const skipReason =
  process.env.SPOTOPS_TEST_DB !== 'postgres'
    ? 'crash tests run in the "postgres" project (TEST_DATABASE_URL set, --project postgres)'
    : !(await postgresReachable(adminUrl))
      ? 'PostgreSQL at TEST_DATABASE_URL is not reachable'
      : spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status !== 0
        ? 'moto_server is not installed'
        : undefined;
if (skipReason) console.warn(`skipping the crash tests: ${skipReason}`);

interface Child {
  proc: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

// Slow by nature (two worker processes per case, AWS through moto).
describe.skipIf(skipReason !== undefined)(
  'a worker killed with SIGKILL at a step boundary',
  { timeout: 120_000 },
  () => {
    let moto: ChildProcess;
    let motoUrl = '';
    let proxy: CountingProxy;
    let database: Database;
    let dbUrl = '';
    let dbName = '';
    let accountId = 0;
    let ec2: EC2Client;
    let asg: AutoScalingClient;
    const children = new Set<Child>();

    beforeAll(async () => {
      // One bundle of the worker for all cases: node starts it at once, where tsx would compile
      // the sources again in every process. Two levels below the root, like src/<dir>/.
      bundleChild('test/crash/child.ts', CHILD);
      const port = await freePort();
      moto = spawn('moto_server', ['-p', String(port)], { stdio: 'ignore' });
      motoUrl = `http://127.0.0.1:${port}`;
      await waitFor(
        'moto_server to answer',
        () =>
          fetch(`${motoUrl}/moto-api/`)
            .then((r) => (r.ok ? true : undefined))
            .catch(() => undefined),
        30_000,
      );
      proxy = await CountingProxy.start(motoUrl);
      const client = {
        region: REGION,
        endpoint: motoUrl,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      };
      ec2 = new EC2Client(client);
      asg = new AutoScalingClient(client);

      dbName = `spotops_crash_${randomBytes(5).toString('hex')}`;
      const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${dbName}`);
      await admin.end();
      const url = new URL(adminUrl!);
      url.pathname = `/${dbName}`;
      dbUrl = url.toString();
      database = await openDatabase({ url: dbUrl });
      await migrate(database);
      const account = await verifiedAccount(database.db, {
        awsAccountId: MOTO_ACCOUNT,
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/SpotOps`,
      });
      accountId = account.id;
    }, 60_000);

    afterEach(async () => {
      for (const c of children) {
        c.proc.kill('SIGKILL');
        await c.exited;
      }
    });

    afterAll(async () => {
      await proxy?.stop();
      moto?.kill('SIGKILL');
      await database?.close();
      if (dbName) {
        const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    });

    function startWorker(): Child {
      const proc = spawn(process.execPath, [CHILD], {
        env: {
          ...process.env,
          DATABASE_URL: dbUrl,
          AWS_ENDPOINT_URL: proxy.url,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: REGION,
          LEASE_MS: '3000',
          HEARTBEAT_MS: '1000',
          POLL_MS: '250',
          CHILD_LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout?.on('data', (d) => {
        out += d;
      });
      proc.stderr?.on('data', (d) => {
        out += d;
      });
      const child: Child = {
        proc,
        exited: new Promise((r) => proc.once('exit', (code) => r(code))),
        output: () => out,
      };
      children.add(child);
      void child.exited.then(() => children.delete(child));
      return child;
    }

    async function queue(executor: string, params: unknown): Promise<number> {
      const [row] = await database.db
        .insert(executions)
        .values({
          accountId,
          region: REGION,
          executor,
          params,
          requestedBy: 'U0BOB',
          approvedBy: 'U0BOB',
          dryRun: false,
          status: 'approved',
          riskLevel: 'HIGH',
        })
        .returning();
      return row!.id;
    }

    const execution = async (id: number): Promise<Execution> =>
      (await database.db.select().from(executions).where(eq(executions.id, id)))[0]!;

    /**
     * Runs execution `id` in a worker, holds the answer of the first live `action` and kills the
     * worker there; then starts a fresh worker and waits for the run to end. Answers the final row
     * and how long the recovery took from the kill.
     */
    async function killAfter(
      id: number,
      action: string,
    ): Promise<{ final: Execution; recoveredInMs: number }> {
      proxy.calls.length = 0;
      let reached = false;
      const held = proxy.holdAfter(action).then(() => {
        reached = true;
      });
      const first = startWorker();
      await Promise.race([
        held,
        first.exited.then((code) => {
          throw new Error(`the worker exited (${code}) before ${action}:\n${first.output()}`);
        }),
        // Fails fast (with the story so far) when the run ends without reaching the boundary.
        waitFor(
          `execution ${id} to finish or reach ${action}`,
          async () => {
            if (reached) return 'reached';
            return FINAL.includes((await execution(id)).status) ? 'ended' : undefined;
          },
          100_000,
        ).then(async (how) => {
          if (how === 'reached') return;
          const steps = await database.db
            .select()
            .from(executionSteps)
            .where(eq(executionSteps.executionId, id));
          const lines = (await story(id)).map((l) => `${l.event}: ${l.message}`).join('\n');
          throw new Error(
            `execution ${id} ended before ${action}; steps ${steps.map((s) => `${s.name}=${s.status}`).join(', ')}:\n${lines}`,
          );
        }),
      ]);
      first.proc.kill('SIGKILL');
      await first.exited;
      proxy.release();
      const killedAt = Date.now();
      const second = startWorker();
      try {
        const final = await waitFor(
          `execution ${id} to finish`,
          async () => {
            const row = await execution(id);
            return FINAL.includes(row.status) ? row : undefined;
          },
          60_000,
        ).catch((err) => {
          throw new Error(`${err.message}\n${second.output()}`);
        });
        return { final, recoveredInMs: Date.now() - killedAt };
      } finally {
        second.proc.kill('SIGKILL');
        await second.exited;
      }
    }

    async function story(id: number): Promise<{ event: string; message: string }[]> {
      const rows = await database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.executionId, id))
        .orderBy(asc(auditEvents.id));
      return rows.map((r) => ({ event: r.event, message: String(r.detail.message) }));
    }

    /** The events in this order (others may come between). */
    function expectInOrder(lines: { event: string; message: string }[], expected: (string | RegExp)[]): void {
      let at = 0;
      for (const want of expected) {
        const found = lines.findIndex(
          (l, i) => i >= at && (typeof want === 'string' ? l.event === want : want.test(l.message)),
        );
        expect(
          found,
          `${String(want)} after line ${at} in\n${lines.map((l) => `${l.event}: ${l.message}`).join('\n')}`,
        ).toBeGreaterThanOrEqual(at);
        at = found + 1;
      }
    }

    const subnetIn = async (az: string) =>
      (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: [az] }] })))
        .Subnets![0]!.SubnetId!;
    const anAmi = async () =>
      (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!.ImageId!;

    describe('delete-ebs-volume', () => {
      async function volume(): Promise<string> {
        const v = await ec2.send(
          new CreateVolumeCommand({
            AvailabilityZone: 'us-east-1a',
            Size: 20,
            VolumeType: 'gp3',
            TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'team', Value: 'data' }] }],
          }),
        );
        return v.VolumeId!;
      }
      const backupsOf = async (id: number) =>
        (
          await ec2.send(
            new DescribeSnapshotsCommand({
              OwnerIds: ['self'],
              Filters: [{ Name: 'tag:spotops:execution', Values: [String(id)] }],
            }),
          )
        ).Snapshots ?? [];

      it('killed after the backup snapshot: the new worker uses that backup, deletes once, and says so', async () => {
        const volumeId = await volume();
        const id = await queue('delete-ebs-volume', { volumeId });
        const { final, recoveredInMs } = await killAfter(id, 'CreateSnapshot');
        expect(final.status).toBe('succeeded');
        expect(recoveredInMs).toBeLessThan(30_000);
        expect(proxy.actions).toEqual(['CreateSnapshot', 'DeleteVolume']);
        const backups = await backupsOf(id);
        expect(backups).toHaveLength(1);
        const snap = backups[0]!.SnapshotId!;
        expect(final.undo).toMatchObject({
          snapshotId: snap,
          volume: { sizeGiB: 20, tags: { team: 'data' } },
        });
        expect(
          (await ec2.send(new DescribeVolumesCommand({}))).Volumes?.map((v) => v.VolumeId),
        ).not.toContain(volumeId);
        expectInOrder(await story(id), [
          'validated',
          /another worker took over: resuming/,
          new RegExp(`Found the backup ${snap} of ${volumeId} made before the restart`),
          new RegExp(`Deleted ${volumeId} .*backing it up to ${snap}`),
          'verified',
        ]);
      });

      it('killed after the delete: the new worker does not delete again and finishes', async () => {
        const volumeId = await volume();
        const id = await queue('delete-ebs-volume', { volumeId });
        const { final, recoveredInMs } = await killAfter(id, 'DeleteVolume');
        expect(final.status).toBe('succeeded');
        expect(recoveredInMs).toBeLessThan(30_000);
        expect(proxy.actions).toEqual(['CreateSnapshot', 'DeleteVolume']);
        const [backup] = await backupsOf(id);
        expectInOrder(await story(id), [
          'validated',
          new RegExp(`Backing up ${volumeId} to ${backup!.SnapshotId}`),
          /stopped responding during the step delete; another worker took over: resuming/,
          new RegExp(`Deleted ${volumeId} .*backing it up to ${backup!.SnapshotId}`),
          'verified',
        ]);
      });
    });

    describe('spot-lab-switch', () => {
      async function servingInstance(): Promise<{ instanceId: string; allocationId: string }> {
        const run = await ec2.send(
          new RunInstancesCommand({
            ImageId: await anAmi(),
            InstanceType: 'm5.large',
            MinCount: 1,
            MaxCount: 1,
            SubnetId: await subnetIn('us-east-1a'),
            TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'lab-web' }] }],
          }),
        );
        const instanceId = run.Instances![0]!.InstanceId!;
        const { AllocationId } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
        await ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: instanceId }));
        return { instanceId, allocationId: AllocationId! };
      }
      const params = (instanceId: string) => ({
        instanceId,
        targetAz: 'us-east-1a',
        instanceType: 'm5.large',
        maxPrice: 0.096,
      });
      async function clonesOf(id: number) {
        const out = await ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: 'tag:spotops:execution', Values: [String(id)] }],
          }),
        );
        return out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      }

      for (const [boundary, action, step] of [
        ['the clone launch', 'RunInstances', 'launch-clone'],
        ['the Elastic IP move', 'AssociateAddress', 'move-eip'],
      ] as const) {
        it(`killed after ${boundary}: the new worker keeps the one clone, moves the address once and ends the old instance`, async () => {
          const { instanceId, allocationId } = await servingInstance();
          const id = await queue('spot-lab-switch', params(instanceId));
          const { final, recoveredInMs } = await killAfter(id, action);
          expect(final.status, final.error ?? '').toBe('succeeded');
          expect(recoveredInMs).toBeLessThan(30_000);
          expect(proxy.actions).toEqual([
            'CreateImage',
            'RunInstances',
            'AssociateAddress',
            'TerminateInstances',
          ]);
          const clones = await clonesOf(id);
          expect(clones).toHaveLength(1);
          const clone = clones[0]!;
          expect(clone).toMatchObject({ State: { Name: 'running' }, InstanceLifecycle: 'spot' });
          const address = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })))
            .Addresses![0]!;
          expect(address.InstanceId).toBe(clone.InstanceId);
          const old = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })))
            .Reservations![0]!.Instances![0]!;
          expect(old.State?.Name).toBe('terminated');
          const tookOver = new RegExp(
            `stopped responding during the step ${step}; another worker took over: resuming`,
          );
          const launched = new RegExp(`Launched the Spot clone ${clone.InstanceId} of ${instanceId}`);
          const found = new RegExp(
            `Found the Spot clone ${clone.InstanceId} of ${instanceId} launched before the restart`,
          );
          const alreadyMoved = new RegExp(`is already on ${clone.InstanceId} \\(moved before the restart\\)`);
          expectInOrder(await story(id), [
            'validated',
            ...(step === 'launch-clone' ? [tookOver, found] : [launched, tookOver, alreadyMoved]),
            new RegExp(`${clone.InstanceId} replaces ${instanceId}`),
            'verified',
          ]);
        });
      }
    });

    describe('spot-asg-swap', () => {
      async function group(name: string): Promise<string> {
        const { LaunchTemplate } = await ec2.send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: `${name}-lt`,
            LaunchTemplateData: { ImageId: await anAmi(), InstanceType: 'm5.large' },
          }),
        );
        await asg.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            LaunchTemplate: { LaunchTemplateId: LaunchTemplate!.LaunchTemplateId, Version: '$Default' },
            MinSize: 1,
            MaxSize: 1,
            DesiredCapacity: 1,
            VPCZoneIdentifier: await subnetIn('us-east-1a'),
          }),
        );
        const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
          .AutoScalingGroups![0]!;
        return g.Instances![0]!.InstanceId!;
      }

      for (const [boundary, action, step] of [
        ['the clone launch', 'RunInstances', 'launch-clone:'],
        ['the attach', 'AttachInstances', 'attach:'],
      ] as const) {
        it(`killed after ${boundary}: the new worker attaches the one clone once and keeps capacity`, async () => {
          const name = `web-${randomBytes(3).toString('hex')}`;
          const oldId = await group(name);
          const id = await queue('spot-asg-swap', { groupName: name, maxPrice: 0.096 });
          const { final, recoveredInMs } = await killAfter(id, action);
          expect(final.status, final.error ?? '').toBe('succeeded');
          expect(recoveredInMs).toBeLessThan(30_000);
          expect(proxy.actions).toEqual([
            'RunInstances',
            'UpdateAutoScalingGroup',
            'AttachInstances',
            'DetachInstances',
            'UpdateAutoScalingGroup',
            'TerminateInstances',
          ]);
          expect(proxy.calls.filter((c) => c.action === 'AttachInstances')).toHaveLength(1);
          const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
            .AutoScalingGroups![0]!;
          const members = g.Instances?.map((i) => i.InstanceId) ?? [];
          expect(members).not.toContain(oldId);
          expect(g).toMatchObject({ DesiredCapacity: 1, MaxSize: 1 });
          const clone = members[0]!;
          expect(clone).toMatch(/^i-/);
          expectInOrder(await story(id), [
            'validated',
            new RegExp(
              `stopped responding during the step ${step}${oldId}; another worker took over: resuming`,
            ),
            step === 'attach:'
              ? new RegExp(`${clone} already in ${name} \\(attached before the restart\\)`)
              : new RegExp(`Found the Spot clone ${clone} of ${oldId} launched before the restart`),
            new RegExp(`${oldId} -> ${clone}`),
            'verified',
          ]);
        });
      }
    });
  },
);
