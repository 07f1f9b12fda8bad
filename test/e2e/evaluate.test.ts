// `/spot evaluate` through the Bolt app: prices from the (mocked) Pricing API and EC2, pools
// keyed by AZ ID, a poisoned pool struck out and never chosen, the risk model's verdict, and the
// card posted in the channel (golden).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  DescribeWarmPoolCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeReservedInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetSpotPlacementScoresCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { DescribeSavingsPlansCommand, SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accounts,
  auditEvents,
  executions,
  poolEvents,
  recommendations,
  riskAssessments,
  riskModels,
} from '../../src/db/schema.js';
import type { EksTokenCache } from '../../src/k8s/eks-token.js';
import { ensureCommittedModel } from '../../src/risk/models.js';
import { clearPlacementCache } from '../../src/risk/placement.js';
import { recordInterruption } from '../../src/risk/pool-poisoning.js';
import { ACTIONS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { type FakeKube, startFakeKube } from '../helpers/fake-kube.js';
import { actionIds, checkMessage, checkView } from '../helpers/slack-limits.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const pricing = mockClient(PricingClient);
const savingsPlans = mockClient(SavingsplansClient);
const eks = mockClient(EKSClient);

const m5Item = JSON.parse(
  readFileSync(
    new URL(
      '../fixtures/pricing/pricing-GetProducts.PriceList-item.m5.large.us-east-1.json',
      import.meta.url,
    ),
    'utf8',
  ),
);
const ZONES = [
  ['us-east-1a', 'use1-az4'],
  ['us-east-1b', 'use1-az6'],
  ['us-east-1c', 'use1-az1'],
] as const;
/** Spot price per type and AZ name, USD/h (m5.large On-Demand is 0.096). */
const SPOT: Record<string, Record<string, number>> = {
  'm5.large': { 'us-east-1a': 0.0383, 'us-east-1b': 0.0415, 'us-east-1c': 0.0397 },
};
const INSTANCE = 'i-0abc1234def567890';

function world() {
  clearPlacementCache();
  ec2.reset();
  asg.reset();
  pricing.reset();
  savingsPlans.reset();
  eks.reset();
  pricing.on(GetProductsCommand).callsFake(async (input) => {
    const type = input.Filters.find((f: { Field: string }) => f.Field === 'instanceType')?.Value;
    const item = structuredClone(m5Item);
    item.product.attributes.instanceType = type;
    return { PriceList: [JSON.stringify(item)], FormatVersion: 'aws_v1' };
  });
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: ZONES.map(([ZoneName, ZoneId]) => ({ ZoneName, ZoneId, State: 'available' })),
  });
  ec2.on(DescribeSpotPriceHistoryCommand).callsFake(async (input) => ({
    SpotPriceHistory: (input.InstanceTypes as string[]).flatMap((type) =>
      Object.entries(SPOT[type] ?? { 'us-east-1a': 0.05, 'us-east-1b': 0.052, 'us-east-1c': 0.051 }).map(
        ([az, price]) => ({
          AvailabilityZone: az,
          InstanceType: type,
          ProductDescription: 'Linux/UNIX',
          SpotPrice: price.toFixed(6),
          Timestamp: new Date('2026-11-24T11:55:00Z'),
        }),
      ),
    ),
  }));
  ec2.on(DescribeReservedInstancesCommand).resolves({ ReservedInstances: [] });
  // The ASG preflight: one subnet per AZ, no refresh, no warm pool, no lifecycle hooks.
  ec2.on(DescribeSubnetsCommand).callsFake(async (input) => ({
    Subnets: (input.SubnetIds as string[]).map((SubnetId) => ({
      SubnetId,
      AvailabilityZone: ZONES.find(([name]) => SubnetId.endsWith(name.slice(-1)))?.[0],
    })),
  }));
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  asg.on(DescribeWarmPoolCommand).resolves({ Instances: [] });
  asg.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [] });
  savingsPlans
    .on(DescribeSavingsPlansCommand)
    .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
  ec2.on(DescribeInstancesCommand).callsFake(async (input) => ({
    Reservations: [
      {
        Instances: (input.InstanceIds as string[]).map((id, n) => ({
          InstanceId: id,
          InstanceType: 'm5.large',
          State: { Name: 'running', Code: 16 },
          Placement: { AvailabilityZone: id === INSTANCE ? 'us-east-1a' : ZONES[n % 3]![0] },
          Tags: [{ Key: 'Name', Value: id === INSTANCE ? 'build-runner' : 'web' }],
        })),
      },
    ],
  }));
}

describe('/spot evaluate', () => {
  let t: TestApp;
  beforeEach(async () => {
    world();
    t = await startTestApp();
    await verifiedAccount(t.db.db, { name: 'payments', environment: 'PROD' });
  });
  const afterCleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of afterCleanups.splice(0)) await c();
    await t.stop();
  });

  async function evaluate(text: string) {
    const res = await t.command(text);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    const done = await t.slack.waitFor(
      () => t.slack.callsOf('response_url').find((c) => /is posted in|:warning:/.test(c.args.text ?? '')),
      15_000,
    );
    // The card is an outbox row: deliver it before looking at Slack.
    await t.deliverOutbox();
    return { res, done };
  }

  it('says it is working at once, then posts a card with per-AZ prices, the chosen pool, savings and risk', async () => {
    const { done } = await evaluate(`evaluate ${INSTANCE} @payments`);
    expect(t.slack.callsOf('response_url')[0]!.args.text).toMatch(
      /^:hourglass_flowing_sand: Evaluating i-0abc/,
    );
    expect(done.args.text).toMatch(/Recommendation #\d+ .* is posted in <#C0OPS>/);
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    expect(checkMessage({ text: card.text!, blocks: card.blocks! })).toEqual([]);
    expect(card.blocks).toMatchSnapshot();
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('$0.096'); // On-Demand, from the Pricing API
    expect(text).toContain('us-east-1a');
    const [rec] = await t.db.db.select().from(recommendations);
    expect(rec).toMatchObject({
      kind: 'spot-lab',
      status: 'posted',
      executor: 'spot-lab-switch',
      slackTs: card.ts,
    });
    // Savings: one instance x 730 h x (0.096 - 0.0383).
    expect(rec!.monthlySavingsUsd).toBeCloseTo(730 * (0.096 - 0.0383), 2);
    expect(rec!.params).toEqual({
      instanceId: INSTANCE,
      targetAz: 'us-east-1a',
      instanceType: 'm5.large',
      maxPrice: 0.096,
    });
    expect(rec!.modelVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(t.slack.thread(card.ts)[0]!.text).toMatch(/^Evaluated for <@U0ALICE>: Move i-0abc/);
  });

  it('never lets the requester approve a HIGH move (Spot in PROD); another approver queues it', async () => {
    await t.db.db.update(accounts).set({ approvers: ['U0ALICE', 'U0BOB'] });
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const [rec] = await t.db.db.select().from(recommendations);
    // Alice asked for the evaluation: she cannot approve the move of a PROD instance herself.
    await t.interact(
      buttonClick(ACTIONS.approve, String(rec!.id), { user: 'U0ALICE', messageTs: rec!.slackTs! }),
    );
    const refusal = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0ALICE'),
    );
    expect(refusal.args.text).toContain('someone other than the requester');
    expect(await t.db.db.select().from(executions)).toHaveLength(0);
    // Bob's click is the approval (HIGH asks no typed confirmation; CRITICAL does).
    await t.interact(
      buttonClick(ACTIONS.approve, String(rec!.id), { user: 'U0BOB', messageTs: rec!.slackTs! }),
    );
    await t.slack.waitFor(async () => (await t.db.db.select().from(executions)).length === 1);
    expect(t.slack.callsOf('views.open')).toHaveLength(0);
    expect((await t.db.db.select().from(executions))[0]).toMatchObject({
      executor: 'spot-lab-switch',
      requestedBy: 'U0ALICE',
      approvedBy: 'U0BOB',
      riskLevel: 'HIGH',
      dryRun: true,
    });
  });

  it('never chooses a poisoned pool: the struck-out AZ is skipped for a group', async () => {
    // An interruption in a production account poisoned use1-az4, which is us-east-1a in this account.
    await recordInterruption(
      t.db.db,
      { region: 'us-east-1', az: 'use1-az4', instanceType: 'm5.large' },
      { accountId: 1, environment: 'PROD', at: new Date('2026-11-24T10:00:00Z') },
      { poisonDays: 15 },
    );
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-prod',
          MinSize: 3,
          MaxSize: 6,
          DesiredCapacity: 3,
          DefaultCooldown: 300,
          HealthCheckType: 'EC2',
          CreatedTime: new Date('2026-01-01T00:00:00Z'),
          AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
          VPCZoneIdentifier: 'subnet-a,subnet-b,subnet-c',
          LaunchTemplate: { LaunchTemplateId: 'lt-0web', LaunchTemplateName: 'web', Version: '$Default' },
          Instances: ['i-0aaa1111bbbb22220', 'i-0aaa1111bbbb22221', 'i-0aaa1111bbbb22222'].map(
            (InstanceId) => ({
              InstanceId,
              AvailabilityZone: 'us-east-1a',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              ProtectedFromScaleIn: false,
            }),
          ),
        },
      ],
    });
    await evaluate('evaluate asg:web-prod @payments');
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    expect(card.blocks).toMatchSnapshot();
    const text = JSON.stringify(card.blocks);
    expect(text).toMatch(/~[^~]*us-east-1a[^~]*~/); // struck out
    const [rec] = await t.db.db.select().from(recommendations);
    const evidence = rec!.evidence as {
      card: {
        chosen: { az: string; instanceType: string };
        diversification: { azs: string[]; instanceTypes: string[] };
      };
    };
    // The cheapest pool (us-east-1a, m5.large) is poisoned: the next cheapest is chosen.
    expect(evidence.card.chosen).toEqual({ az: 'us-east-1c', instanceType: 'm5.large' });
    // Diversified over 3 AZs and several equal-or-larger types (the pool is AZ + type: us-east-1a stays for other types).
    expect(evidence.card.diversification.azs).toHaveLength(3);
    expect(evidence.card.diversification.instanceTypes.length).toBeGreaterThan(3);
    // Three On-Demand instances move.
    expect(rec!.monthlySavingsUsd).toBeCloseTo(3 * 730 * (0.096 - 0.0397), 1);
    // The preflight found nothing in the way: Approve is offered, and the card says how it runs.
    expect(actionIds(card.blocks!)).toContain(ACTIONS.approve);
    expect(text).toContain('Subnets: us-east-1a subnet-a; us-east-1b subnet-b; us-east-1c subnet-c');
  });

  it('offers no Approve to a group defined by AvailabilityZones only, and says why', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'legacy',
          MinSize: 1,
          MaxSize: 2,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          HealthCheckType: 'EC2',
          CreatedTime: new Date('2026-01-01T00:00:00Z'),
          AvailabilityZones: ['us-east-1a'],
          LaunchTemplate: { LaunchTemplateId: 'lt-0leg', Version: '1' },
          Instances: [
            {
              InstanceId: 'i-0aaa1111bbbb22220',
              AvailabilityZone: 'us-east-1a',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              ProtectedFromScaleIn: false,
            },
          ],
        },
      ],
    });
    await evaluate('evaluate asg:legacy @payments');
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    expect(checkMessage({ text: card.text!, blocks: card.blocks! })).toEqual([]);
    expect(actionIds(card.blocks!)).toEqual([ACTIONS.reject]);
    expect(JSON.stringify(card.blocks)).toContain(
      "defined by AvailabilityZones only (us-east-1a), no subnets: a clone needs a subnet in its instance's AZ",
    );
    // Still waiting for a decision (Reject), not resolved.
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('posted');
  });

  it('offers Approve again when the same target is evaluated after a dry run', async () => {
    await t.db.db.update(accounts).set({ approvers: ['U0ALICE', 'U0BOB'] });
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const [rec] = await t.db.db.select().from(recommendations);
    // A rehearsal ran and finished (the card went back to `posted`, as the engine leaves it).
    await t.db.db.insert(executions).values({
      recommendationId: rec!.id,
      accountId: rec!.accountId,
      region: 'us-east-1',
      executor: 'spot-lab-switch',
      params: rec!.params,
      requestedBy: 'U0ALICE',
      approvedBy: 'U0BOB',
      scheduledFor: new Date('2026-11-24T12:00:00Z'),
      dryRun: true,
      riskLevel: 'CRITICAL',
      status: 'succeeded',
      summary: `Would have moved ${INSTANCE} to Spot (dry run)`,
    });
    await t.command(`evaluate ${INSTANCE} @payments`);
    const topLevel = () => t.slack.messages.filter((m) => m.channel === 'C0OPS' && !m.thread_ts);
    await t.slack.waitFor(() => topLevel().length === 2, 15_000);
    const cards = topLevel();
    const card = cards[1]!;
    expect(actionIds(card.blocks!)).toEqual([
      ACTIONS.approve,
      ACTIONS.reject,
      ACTIONS.shadowRun,
      ACTIONS.schedule,
    ]);
    expect(card.text).not.toContain('succeeded');
    expect(card.text).toMatch(/^Spot recommendation #\d+:/);
  });

  async function eksWorld(kube: FakeKube) {
    // The token itself is tested in test/k8s/eks-token.test.ts; here the role's credentials are fake.
    const tokens = { token: async () => 'k8s-aws-v1.test-token' } as unknown as EksTokenCache;
    t.deps.kube = { config: kube.kubeConfig, tokens };
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', status: 'ACTIVE', endpoint: 'https://EKS.gr7.us-east-1.eks.amazonaws.com' },
    });
    const nodes = ['i-0aaa1111bbbb22220', 'i-0aaa1111bbbb22221'].map((id) => kube.addNode(id));
    for (const [i, node] of nodes.entries())
      kube.addPod({ name: `web-${i}`, node, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
    kube.addPdbSpec({ name: 'web', selector: { app: 'web' }, maxUnavailable: 1 });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'eks-general-1234',
          MinSize: 2,
          MaxSize: 4,
          DesiredCapacity: 2,
          DefaultCooldown: 300,
          HealthCheckType: 'EC2',
          CreatedTime: new Date('2026-01-01T00:00:00Z'),
          AvailabilityZones: ['us-east-1a', 'us-east-1b'],
          VPCZoneIdentifier: 'subnet-a,subnet-b',
          LaunchTemplate: { LaunchTemplateId: 'lt-0eks', Version: '3' },
          Instances: ['i-0aaa1111bbbb22220', 'i-0aaa1111bbbb22221'].map((InstanceId) => ({
            InstanceId,
            AvailabilityZone: 'us-east-1a',
            LifecycleState: 'InService',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          })),
        },
      ],
    });
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: {
        nodegroupName: 'general',
        clusterName: 'prod',
        capacityType: 'ON_DEMAND',
        instanceTypes: ['m5.large'],
        resources: { autoScalingGroups: [{ name: 'eks-general-1234' }] },
      },
    });
    return nodes;
  }

  it('refuses a node group whose pods cannot move safely; an approver overrides with a reason, audited', async () => {
    const kube = await startFakeKube();
    try {
      await t.db.db.update(accounts).set({ approvers: ['U0ALICE', 'U0BOB'] });
      const [node] = await eksWorld(kube);
      kube.addPod({ name: 'db-0', node: node!, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
      kube.addPod({ name: 'db-1', node: node!, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
      kube.addPdbSpec({ name: 'db', selector: { app: 'db' }, maxUnavailable: 1 });
      await evaluate('evaluate eks:prod/general @payments');
      const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
      expect(checkMessage({ text: card.text!, blocks: card.blocks! })).toEqual([]);
      const text = JSON.stringify(card.blocks);
      expect(text).toContain(
        'StatefulSet pods*: pod default/db-0 (StatefulSet default/db), pod default/db-1',
      );
      expect(text).toContain('The node group stays ON_DEMAND');
      expect(actionIds(card.blocks!)).toEqual([ACTIONS.overrideRefusals, ACTIONS.reject]);
      const [rec] = await t.db.db.select().from(recommendations);

      // Bob (not the requester) overrides the one reason with a justification.
      await t.interact(
        buttonClick(ACTIONS.overrideRefusals, String(rec!.id), { user: 'U0BOB', messageTs: rec!.slackTs! }),
      );
      const modal = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
      expect(modal.args.view.callback_id).toBe(VIEWS.overrideRefusals);
      expect(checkView(modal.args.view)).toEqual([]);
      await t.interact(
        viewSubmission(
          VIEWS.overrideRefusals,
          modal.args.view.private_metadata,
          {
            override_statefulset: {
              justification: { type: 'plain_text_input', value: 'db is replicated; one member may restart' },
            },
          },
          'U0BOB',
        ),
      );
      await t.slack.waitFor(async () => (await t.db.db.select().from(executions)).length === 1);
      const [exec] = await t.db.db.select().from(executions);
      expect(exec).toMatchObject({
        executor: 'spot-k8s-replace',
        approvedBy: 'U0BOB',
        requestedBy: 'U0ALICE',
      });
      expect((exec!.params as { overrides: unknown[] }).overrides).toEqual([
        {
          reason: 'statefulset',
          justification: 'db is replicated; one member may restart',
          by: 'U0BOB',
          at: '2026-11-24T12:00:00.000Z',
        },
      ]);
      const override = await t.slack.waitFor(async () =>
        (await t.db.db.select().from(auditEvents)).find((a) => a.event === 'override'),
      );
      expect(override.actor).toBe('U0BOB');
      expect((override.detail as { message: string }).message).toContain(
        'overrode StatefulSet pods ("db is replicated; one member may restart")',
      );
    } finally {
      await kube.close();
    }
  });

  it('evaluates an EKS node group and proposes to replace its nodes (cordon, drain, terminate)', async () => {
    const kube = await startFakeKube();
    afterCleanups.push(() => kube.close());
    await eksWorld(kube);
    await evaluate('evaluate eks:prod/general');
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('EKS node group prod/general');
    expect(text).toContain('"rec_approve"');
    // Checked with the role's token before Approve was offered: RBAC, then every node's pods.
    expect(kube.requests.filter((r) => r.path.endsWith('/selfsubjectaccessreviews')).length).toBeGreaterThan(
      5,
    );
    expect(text).toContain('The node group stays ON_DEMAND');
    const [rec] = await t.db.db.select().from(recommendations);
    expect(rec).toMatchObject({ kind: 'spot-k8s', executor: 'spot-k8s-replace' });
    expect(rec!.params).toEqual({
      cluster: 'prod',
      nodegroup: 'general',
      groupName: 'eks-general-1234',
      instanceType: 'm5.large',
      maxPrice: 0.096,
    });
    expect(rec!.monthlySavingsUsd).toBeGreaterThan(0);
  });

  it('says when the only pool of an instance is poisoned, with no Approve', async () => {
    await recordInterruption(
      t.db.db,
      { region: 'us-east-1', az: 'use1-az4', instanceType: 'm5.large' },
      { accountId: 1, environment: 'PROD', at: new Date('2026-11-24T10:00:00Z') },
      { poisonDays: 15 },
    );
    await evaluate(`evaluate ${INSTANCE}`);
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('poisoned');
    expect(text).not.toContain('"rec_approve"');
    expect(card.blocks!.some((b) => b.type === 'actions')).toBe(false);
    // Nothing to decide: the evaluation does not wait in the open findings.
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('resolved');
  });

  it('does not propose capacity a Reserved Instance already pays for', async () => {
    ec2.on(DescribeReservedInstancesCommand).resolves({
      ReservedInstances: [
        {
          ReservedInstancesId: 'ri-0123456789',
          InstanceType: 'm5.large',
          InstanceCount: 1,
          Scope: 'Region',
          State: 'active',
        },
      ],
    });
    await evaluate(`evaluate ${INSTANCE}`);
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    expect(JSON.stringify(card.blocks)).toContain('ri-0123456789');
    expect(JSON.stringify(card.blocks)).not.toContain('"rec_approve"');
    // feat/numbers: the overlap in one line.
    expect(JSON.stringify(card.blocks)).toContain(
      'Reserved Instances give 4 normalized units (size-flexible)',
    );
  });

  // feat/numbers: prices from the asked region only.
  function saoPaulo(instanceType: string, spot: number) {
    pricing
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    ec2.on(DescribeAvailabilityZonesCommand).resolves({
      AvailabilityZones: [{ ZoneName: 'sa-east-1a', ZoneId: 'sae1-az1', State: 'available' }],
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: INSTANCE,
              InstanceType: instanceType as never,
              State: { Name: 'running', Code: 16 },
              Placement: { AvailabilityZone: 'sa-east-1a' },
            },
          ],
        },
      ],
    });
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        {
          AvailabilityZone: 'sa-east-1a',
          InstanceType: instanceType as never,
          ProductDescription: 'Linux/UNIX',
          SpotPrice: spot.toFixed(6),
          Timestamp: new Date('2026-11-24T11:55:00Z'),
        },
      ],
    });
  }

  it("prices x2iedn.32xlarge in sa-east-1 at sa-east-1's On-Demand (52.02), not us-east-1's (26.68)", async () => {
    // Before: with the Pricing API unreachable the card used us-east-1's 26.676 and showed -$10,147/month.
    await t.db.db.update(accounts).set({ regions: ['sa-east-1'] });
    saoPaulo('x2iedn.32xlarge', 40.58);
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const [rec] = await t.db.db.select().from(recommendations);
    expect(rec!.monthlySavingsUsd).toBeCloseTo(730 * (52.02 - 40.58), 2);
    const text = JSON.stringify(t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!.blocks);
    expect(text).toContain('$52.02');
    expect(text).toContain('"rec_approve"');
  });

  it('says "no price for sa-east-1" and offers no Approve when nothing knows that region\'s price', async () => {
    await t.db.db.update(accounts).set({ regions: ['sa-east-1'] });
    saoPaulo('m5.large', 0.04);
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('no price for sa-east-1');
    expect(text).toContain('No price for sa-east-1');
    expect(text).not.toContain('"rec_approve"');
    expect(text).not.toContain('$0.096'); // us-east-1's m5.large price is never shown
  });

  it('names the evaluator that answered: the rule while there is no labelled history, the model score beside it', async () => {
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const text = JSON.stringify(t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!.blocks);
    expect(text).toMatch(
      /Advisor band \+ placement score rule \(no labelled history yet\); model 2\.0\.0 says [\d.]+%/,
    );
  });

  it.each([
    ['deleted', async () => join(tmpdir(), 'spotops-no-such-model.onnx')],
    [
      'corrupted',
      async () => {
        const path = join(tmpdir(), `spotops-corrupt-${process.pid}.onnx`);
        await writeFile(path, 'not an onnx model');
        return path;
      },
    ],
  ])('still answers with the active model file %s, naming the evaluator', async (_, file) => {
    await ensureCommittedModel(t.db.db);
    await t.db.db.update(riskModels).set({ path: await file() });
    await evaluate(`evaluate ${INSTANCE} @payments`);
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('Advisor band + placement score rule (no risk model could load)');
    expect(text).toContain('"rec_approve"');
    const rows = await t.db.db.select().from(riskAssessments);
    expect(rows.every((r) => r.engine === 'rule' && r.modelVersion === 'none')).toBe(true);
  });

  it("serves each candidate's own On-Demand price, the pool's rebalances and AWS placement scores to the risk model", async () => {
    // Before: every candidate type was compared with the base type's On-Demand price, and rebalances7d was always 0.
    pricing.on(GetProductsCommand).callsFake(async (input) => {
      const type = input.Filters.find((f: { Field: string }) => f.Field === 'instanceType')?.Value;
      const item = structuredClone(m5Item);
      item.product.attributes.instanceType = type;
      if (type === 'm7a.large') {
        for (const term of Object.values(item.terms.OnDemand) as {
          priceDimensions: Record<string, { pricePerUnit: { USD: string } }>;
        }[])
          for (const dim of Object.values(term.priceDimensions)) dim.pricePerUnit.USD = '0.1920000000';
      }
      return { PriceList: [JSON.stringify(item)], FormatVersion: 'aws_v1' };
    });
    ec2.on(GetSpotPlacementScoresCommand).callsFake(async (input) => ({
      SpotPlacementScores: [
        {
          Region: 'us-east-1',
          AvailabilityZoneId: 'use1-az4',
          Score: input.InstanceTypes?.[0] === 'm5.large' ? 2 : 9,
        },
        { Region: 'us-east-1', AvailabilityZoneId: 'use1-az6', Score: 9 },
        { Region: 'us-east-1', AvailabilityZoneId: 'use1-az1', Score: 8 },
      ],
    }));
    for (const [i, kind] of ['rebalance', 'rebalance', 'interruption'].entries()) {
      await t.db.db.insert(poolEvents).values({
        eventId: `evt-${i}`,
        kind,
        awsAccountId: '111122223333',
        environment: 'LAB',
        region: 'us-east-1',
        availabilityZone: 'use1-az6',
        instanceType: 'm5.large',
        instanceId: `i-0other${i}`,
        at: new Date('2026-11-23T00:00:00Z'),
        raw: {},
      });
    }
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-prod',
          MinSize: 1,
          MaxSize: 3,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          HealthCheckType: 'EC2',
          CreatedTime: new Date('2026-01-01T00:00:00Z'),
          AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
          Instances: [
            {
              InstanceId: 'i-0aaa1111bbbb22220',
              AvailabilityZone: 'us-east-1a',
              LifecycleState: 'InService',
              HealthStatus: 'Healthy',
              ProtectedFromScaleIn: false,
            },
          ],
        },
      ],
    });
    await evaluate('evaluate asg:web-prod @payments');
    const rows = await t.db.db.select().from(riskAssessments);
    const xl = rows.find((r) => r.instanceType === 'm7a.large' && r.availabilityZone === 'use1-az6')!;
    expect(xl.features.spot_od_price_ratio).toBeCloseTo(0.052 / 0.192, 5); // us-east-1b (use1-az6): 0.052;
    const pool = rows.find((r) => r.instanceType === 'm5.large' && r.availabilityZone === 'use1-az6')!;
    expect(pool.features).toMatchObject({ rebalances_7d: 2, interruptions_7d: 1, placement_score: 9 });
    const az4 = rows.find((r) => r.instanceType === 'm5.large' && r.availabilityZone === 'use1-az4')!;
    expect(az4.features.placement_score).toBe(2);
    // Price-capacity-optimized: the cheapest m5.large pool (us-east-1a, score 2) is not chosen.
    const [rec] = await t.db.db.select().from(recommendations);
    const evidence = rec!.evidence as { card: { chosen: { az: string }; chosenPools: { az: string }[] } };
    expect(evidence.card.chosen.az).not.toBe('us-east-1a');
    expect(evidence.card.chosenPools.length).toBeGreaterThan(1);
    expect(
      JSON.stringify(t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!.blocks),
    ).toContain(':white_check_mark: chosen');
  });

  it.each([
    ['evaluate', 'What should I evaluate?'],
    ['evaluate vm-1', 'is not something spotops can evaluate'],
  ])('answers `/spot %s` with a clear message', async (text, message) => {
    const reply = await t.commandReply(text);
    expect(reply.text).toContain(message);
  });

  it('names the accounts there are when the named one does not exist', async () => {
    const { done } = await evaluate(`evaluate ${INSTANCE} @nobody`);
    expect(done.args.text).toContain('There is no account called `nobody`. Connected: `payments`.');
  });

  it('says clearly when the instance is nowhere to be found', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        Object.assign(new Error('The instance ID does not exist'), { name: 'InvalidInstanceID.NotFound' }),
      );
    const { done } = await evaluate(`evaluate ${INSTANCE}`);
    expect(done.args.text).toContain('I could not find i-0abc1234def567890 in payments/us-east-1');
  });
});
