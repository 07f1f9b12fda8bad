// Shadow IT end to end: instances without an authorising tag get a card with a 24 h deadline;
// Claim and Exempt (through the real modals' submissions) take them out; when the grace period
// ends the enforcer terminates, after snapshots, only what is still unclaimed, unexempted and
// unauthorised in AWS, and says so in the thread.
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  EC2Client,
  type Instance,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accounts, recommendations } from '../../src/db/schema.js';
import { enforceGracePeriods } from '../../src/engine/shadow-it.js';
import { scanAndPost } from '../../src/jobs/scan-and-post.js';
import { HOUR, type ManualClock } from '../../src/lib/clock.js';
import { ACTIONS, INPUTS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';

const ec2 = mockClient(EC2Client);
const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });

/** A small EC2 world: instances with tags and states; tagging, snapshots and termination change it. */
function world(ids: string[]) {
  const instances = new Map<string, Instance>(
    ids.map((id, n) => [
      id,
      {
        InstanceId: id,
        InstanceType: 't3.large',
        LaunchTime: new Date('2026-11-20T08:00:00Z'),
        Placement: { AvailabilityZone: 'us-east-1a' },
        State: { Code: 16, Name: 'running' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-${n}`, Status: 'attached' } }],
        Tags: [
          { Key: 'Name', Value: `box-${n}` },
          { Key: 'Owner', Value: 'dana@example.com' },
        ],
      },
    ]),
  );
  const snapshots: { SnapshotId: string; VolumeId: string }[] = [];
  const live = (input: { DryRun?: boolean }) => {
    if (input.DryRun) throw dryRunOk();
  };
  ec2.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[] }) => ({
    Reservations: [
      {
        Instances: [...instances.values()]
          .filter((i) => !input.InstanceIds || input.InstanceIds.includes(i.InstanceId!))
          .map((i) => structuredClone(i)),
      },
    ],
  }));
  ec2.on(DescribeTagsCommand).callsFake(async () => ({
    Tags: [...instances.values()].flatMap((i) =>
      (i.Tags ?? []).map((t) => ({ ResourceId: i.InstanceId, ResourceType: 'instance', ...t })),
    ),
  }));
  ec2.on(CreateTagsCommand).callsFake(async (input) => {
    live(input);
    for (const id of input.Resources) {
      const i = instances.get(id)!;
      i.Tags = [
        ...(i.Tags ?? []).filter((t) => !input.Tags.some((n: { Key: string }) => n.Key === t.Key)),
        ...input.Tags,
      ];
    }
    return {};
  });
  ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: false } });
  ec2.on(CreateSnapshotCommand).callsFake(async (input) => {
    live(input);
    const snap = { SnapshotId: `snap-${input.VolumeId}`, VolumeId: input.VolumeId };
    snapshots.push(snap);
    return { ...snap, State: 'pending' };
  });
  ec2.on(DescribeSnapshotsCommand).callsFake(async () => ({
    Snapshots: snapshots.map((s) => ({ ...s, State: 'completed', Progress: '100%' })),
  }));
  ec2.on(TerminateInstancesCommand).callsFake(async (input) => {
    live(input);
    for (const id of input.InstanceIds) instances.get(id)!.State = { Code: 48, Name: 'terminated' };
    return {
      TerminatingInstances: input.InstanceIds.map((id: string) => ({
        InstanceId: id,
        CurrentState: { Name: 'shutting-down' },
      })),
    };
  });
  return { instances, snapshots };
}

describe('Shadow IT enforcement', () => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
  });
  afterEach(() => t.stop());

  const recOf = async (instanceId: string) =>
    (await t.db.db.select().from(recommendations).where(eq(recommendations.resourceId, instanceId)))[0]!;

  it('terminates, after snapshots, only unclaimed, unexempted, still-unauthorised instances', async () => {
    const aws = world([
      'i-0000000000000001a',
      'i-0000000000000002b',
      'i-0000000000000003c',
      'i-0000000000000004d',
    ]);
    await verifiedAccount(t.db.db, { environment: 'LAB' });
    await scanAndPost(t.deps, ['unauthorized-instances']);
    await t.deliverOutbox();
    const [doomed, claimed, exempt, tagged] = await Promise.all(
      ['i-0000000000000001a', 'i-0000000000000002b', 'i-0000000000000003c', 'i-0000000000000004d'].map(recOf),
    );
    expect(doomed).toMatchObject({ status: 'posted', dueAt: new Date('2026-11-25T12:00:00Z') });
    expect(JSON.stringify(t.slack.messages.find((m) => m.ts === doomed!.slackTs)!.blocks)).toContain(
      'Terminates',
    );

    // Claim through the modal: the instance gets ManagedBy + Owner in AWS.
    await t.interact(
      viewSubmission(VIEWS.claim, String(claimed!.id), {
        [INPUTS.owner.block]: { [INPUTS.owner.action]: { type: 'users_select', selected_user: 'U0DANA' } },
        [INPUTS.team.block]: { [INPUTS.team.action]: { type: 'plain_text_input', value: 'data-platform' } },
      }),
    );
    // Exempt through the modal, with a reason and 30 days.
    await t.interact(
      viewSubmission(VIEWS.exempt, String(exempt!.id), {
        [INPUTS.reason.block]: {
          [INPUTS.reason.action]: { type: 'plain_text_input', value: 'vendor appliance, cannot be tagged' },
        },
        [INPUTS.expiry.block]: { [INPUTS.expiry.action]: { type: 'number_input', value: '30' } },
      }),
    );
    await t.slack.waitFor(
      async () => (await recOf('i-0000000000000003c')).status === 'exempted' || undefined,
    );
    await t.runQueued(1);
    expect((await recOf('i-0000000000000002b')).status).toBe('claimed');
    expect(aws.instances.get('i-0000000000000002b')!.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'ManagedBy', Value: 'SpotOptimizer' },
        { Key: 'Owner', Value: 'U0DANA' },
      ]),
    );
    // Someone tags the fourth instance in the console: authorised now, the card does not know yet.
    aws.instances.get('i-0000000000000004d')!.Tags!.push({ Key: 'aws:autoscaling:groupName', Value: 'web' });

    (t.clock as ManualClock).advance(23 * HOUR);
    expect(await enforceGracePeriods(t.deps)).toEqual({ queued: 0, notified: 0 });
    (t.clock as ManualClock).advance(2 * HOUR);
    expect(await enforceGracePeriods(t.deps)).toEqual({ queued: 2, notified: 0 });
    await t.worker.kick();
    await t.deliverOutbox();

    const terminated = ec2.commandCalls(TerminateInstancesCommand).filter((c) => !c.args[0].input.DryRun);
    expect(terminated.map((c) => c.args[0].input.InstanceIds)).toEqual([['i-0000000000000001a']]);
    const order = ec2.calls().map((c) => c.args[0].constructor.name + (c.args[0].input.DryRun ? ':dry' : ''));
    expect(order.indexOf('CreateSnapshotCommand')).toBeLessThan(order.indexOf('TerminateInstancesCommand'));
    expect(aws.snapshots.map((s) => s.VolumeId)).toEqual(['vol-0']);

    const thread = (rec: { slackTs: string | null }) => t.slack.thread(rec.slackTs!).map((m) => m.text ?? '');
    expect(thread(doomed!)).toEqual(
      expect.arrayContaining([
        'Found 4 untagged instances.',
        expect.stringMatching(/^Approved by spotops \(grace period over\)/),
        expect.stringMatching(/^Terminated i-0000000000000001a .*snap-vol-0/),
      ]),
    );
    // The four instances share one card, so one thread.
    expect(doomed!.slackTs).toBe(tagged!.slackTs);
    expect(thread(tagged!)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^No longer valid: .*aws:autoscaling:groupName/)]),
    );
    expect(thread(doomed!).filter((m) => m.startsWith('Found'))).toHaveLength(1);
    expect((await recOf('i-0000000000000001a')).status).toBe('executed');
    expect((await recOf('i-0000000000000003c')).status).toBe('exempted');
    expect((await recOf('i-0000000000000004d')).status).toBe('stale');
  });

  it('returns form errors in the ack and changes nothing when the exemption has no reason', async () => {
    world(['i-0000000000000001a']);
    await verifiedAccount(t.db.db);
    await scanAndPost(t.deps, ['unauthorized-instances']);
    await t.deliverOutbox();
    const rec = await recOf('i-0000000000000001a');
    const res = await t.interact(
      viewSubmission(VIEWS.exempt, String(rec.id), {
        [INPUTS.reason.block]: { [INPUTS.reason.action]: { type: 'plain_text_input', value: '' } },
        [INPUTS.expiry.block]: { [INPUTS.expiry.action]: { type: 'number_input', value: '9999' } },
      }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual([INPUTS.expiry.block, INPUTS.reason.block].sort());
    expect((await recOf('i-0000000000000001a')).status).toBe('posted');
  });

  it('only notifies, once, in a production account whose policy is the default', async () => {
    world(['i-0000000000000001a']);
    await verifiedAccount(t.db.db, { environment: 'PROD', name: 'prod' });
    await scanAndPost(t.deps, ['unauthorized-instances']);
    await t.deliverOutbox();
    (t.clock as ManualClock).advance(25 * HOUR);
    expect(await enforceGracePeriods(t.deps)).toEqual({ queued: 0, notified: 1 });
    expect(await enforceGracePeriods(t.deps)).toEqual({ queued: 0, notified: 0 });
    await t.deliverOutbox();
    const rec = await recOf('i-0000000000000001a');
    expect(t.slack.thread(rec.slackTs!).at(-1)!.text).toContain('policy is *notify*');
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('lets only an approver press Terminate now, after Slack confirmed it', async () => {
    world(['i-0000000000000001a']);
    await verifiedAccount(t.db.db, { environment: 'PROD', name: 'prod', shadowItAction: 'notify' });
    await scanAndPost(t.deps, ['unauthorized-instances']);
    await t.deliverOutbox();
    const rec = await recOf('i-0000000000000001a');
    await t.interact(buttonClick(ACTIONS.terminateNow, String(rec.id), { user: 'U0MALLORY' }));
    const refusal = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0MALLORY'),
    );
    expect(refusal.args.text).toContain('only <@U0BOB> can approve');
    await t.worker.kick();
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    await t.interact(buttonClick(ACTIONS.terminateNow, String(rec.id), { user: 'U0BOB' }));
    await t.runQueued(1);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.DryRun)).toEqual([
      true,
      true,
      false,
    ]);
    const [acc] = await t.db.db.select().from(accounts);
    expect(acc!.shadowItAction).toBe('notify');
  });
});
