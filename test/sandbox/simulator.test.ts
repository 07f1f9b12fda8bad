// The simulated AWS accounts, through real SDK clients (the middleware seam): recorded shapes,
// DryRun semantics, compressed time, errors as awsErrorCode sees them, and mutations that the
// next Describe - and the next describe block - sees.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  paginateDescribeSpotPriceHistory,
  ReleaseAddressCommand,
  RunInstancesCommand,
  waitUntilInstanceRunning,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/aws/paginate.js';
import { awsErrorCode } from '../../src/lib/errors.js';
import { openSandboxAws, sandboxRoleArn } from '../../src/sandbox/index.js';
import { SANDBOX_ACCOUNTS, SANDBOX_REGION, SEEDED } from '../../src/sandbox/seed.js';

const LAB = SANDBOX_ACCOUNTS[0];
const dir = mkdtempSync(join(tmpdir(), 'spotops-sim-'));
const NOW = new Date('2026-11-24T12:00:00Z');
// One sandbox for the whole file: each describe block sees what the previous one changed.
const sandbox = openSandboxAws({ dataDir: dir, now: () => NOW });
const access = sandbox.accessFor({ roleArn: sandboxRoleArn(LAB.awsAccountId, LAB.name) }, 'U0BOB')!;
const ec2 = access.ec2(SANDBOX_REGION);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function addresses() {
  return (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? [];
}

describe('a seeded sandbox account', () => {
  it('answers DescribeAddresses with unassociated addresses in the recorded shape', async () => {
    const all = await addresses();
    const free = all.filter((a) => !a.AssociationId);
    expect(free.map((a) => a.PublicIp)).toEqual(['198.51.100.21', '198.51.100.22']);
    expect(free[0]).toMatchObject({
      AllocationId: expect.stringMatching(/^eipalloc-[0-9a-f]{17}$/),
      Domain: 'vpc',
      NetworkBorderGroup: 'us-east-1',
    });
  });

  it('refuses a DryRun release with DryRunOperation and changes nothing', async () => {
    const [first] = (await addresses()).filter((a) => !a.AssociationId);
    const err = await ec2
      .send(new ReleaseAddressCommand({ AllocationId: first!.AllocationId, DryRun: true }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(err)).toBe('DryRunOperation');
    expect((await addresses()).map((a) => a.AllocationId)).toContain(first!.AllocationId);
  });

  it('says the address is in use when it is associated', async () => {
    const [used] = (await addresses()).filter((a) => a.AssociationId);
    const err = await ec2
      .send(new ReleaseAddressCommand({ AllocationId: used!.AllocationId }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(err)).toBe('InvalidIPAddress.InUse');
  });

  it('releases an address for real: the next Describe no longer lists it', async () => {
    await ec2.send(new ReleaseAddressCommand({ AllocationId: 'eipalloc-0a5b0000000000002' }));
    expect((await addresses()).map((a) => a.PublicIp)).not.toContain('198.51.100.21');
    expect(sandbox.sim.events.at(-1)).toMatchObject({ command: 'ReleaseAddress', account: 'sandbox' });
  });
});

describe('the next describe block (same account)', () => {
  it('still sees the release', async () => {
    expect((await addresses()).map((a) => a.PublicIp)).toEqual(['198.51.100.10', '198.51.100.22']);
  });

  it('kept it on disk: a restarted sandbox sees the same account, dates as Dates', async () => {
    const again = openSandboxAws({ dataDir: dir, now: () => NOW });
    const lab = again.sim.region(LAB.awsAccountId, SANDBOX_REGION);
    expect(lab.addresses.map((a) => a.PublicIp)).not.toContain('198.51.100.21');
    expect(lab.instances[0]!.LaunchTime).toBeInstanceOf(Date);
  });
});

describe('instances', () => {
  it('says InvalidInstanceID.NotFound for an instance it does not have', async () => {
    const err = await ec2
      .send(new DescribeInstancesCommand({ InstanceIds: ['i-0fffffffffffffff0'] }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(err)).toBe('InvalidInstanceID.NotFound');
  });

  it('launches a Spot instance that runs by the next Describe (compressed time), so the SDK waiter returns at once', async () => {
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0a5b0000000000001',
        InstanceType: 'm5.large',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: 'subnet-0a5b0000000000002',
        InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.096' } },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'clone' }] }],
      }),
    );
    const id = out.Instances![0]!.InstanceId!;
    expect(out.Instances![0]).toMatchObject({ State: { Name: 'pending' }, InstanceLifecycle: 'spot' });
    const started = Date.now();
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 60, minDelay: 5 }, { InstanceIds: [id] });
    expect(Date.now() - started).toBeLessThan(2000);
    const running = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['clone'] }] }),
    );
    expect(running.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      InstanceId: id,
      State: { Name: 'running' },
      Placement: { AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az2' },
    });
  });

  it("launches from an Auto Scaling group's launch template, as the ASG swap does", async () => {
    const lab = sandbox.sim.region(LAB.awsAccountId, SANDBOX_REGION);
    const template = lab.launchTemplates[0]!.template;
    const out = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplateId, Version: '$Default' },
        MinCount: 1,
        MaxCount: 1,
        SubnetId: 'subnet-0a5b0000000000003',
      }),
    );
    expect(out.Instances![0]).toMatchObject({ ImageId: 'ami-0a5b0000000000001', InstanceType: 'm5.large' });
    const missing = await ec2
      .send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: 'lt-0ffff' },
          MinCount: 1,
          MaxCount: 1,
        }),
      )
      .catch((e: unknown) => e);
    expect(awsErrorCode(missing)).toBe('InvalidLaunchTemplateId.NotFound');
  });

  it('filters running instances by state, as the Shadow IT scanner asks', async () => {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
    );
    const ids = out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId));
    expect(ids).toContain(SEEDED.shadowJupyter);
    expect(ids).toContain(SEEDED.labWeb);
  });
});

describe('prices, identity and what is not simulated', () => {
  it('pages Spot price history through the SDK paginator, three zones per type', async () => {
    const points = await collect(
      paginateDescribeSpotPriceHistory(
        { client: ec2, pageSize: 10 },
        {
          InstanceTypes: ['m5.large'],
          ProductDescriptions: ['Linux/UNIX'],
          StartTime: new Date(NOW.getTime() - 86_400_000),
        },
      ),
      (p) => p.SpotPriceHistory,
    );
    expect(new Set(points.map((p) => p.AvailabilityZone))).toEqual(
      new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']),
    );
    expect(points.length).toBeGreaterThan(10);
    expect(Number(points[0]!.SpotPrice)).toBeGreaterThan(0);
    expect(Number(points[0]!.SpotPrice)).toBeLessThan(0.096);
  });

  it("answers GetCallerIdentity as the account, with the actor's session name", async () => {
    const me = await access.sts(SANDBOX_REGION).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: LAB.awsAccountId, Arn: expect.stringMatching(/spotops-U0BOB$/) });
  });

  it('leaves real accounts to the real client factory', () => {
    expect(
      sandbox.accessFor({ roleArn: 'arn:aws:iam::444455556666:role/SpotOps-lab' }, 'system'),
    ).toBeUndefined();
    expect(sandbox.accessFor({ roleArn: null }, 'system')).toBeUndefined();
  });

  it('names the call it does not simulate instead of pretending', async () => {
    const err = await access
      .eventBridge(SANDBOX_REGION)
      .send(new (await import('@aws-sdk/client-eventbridge')).PutRuleCommand({ Name: 'x' }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(err)).toBe('UnsupportedOperation');
    expect((err as Error).message).toContain('PutRule');
  });
});
