// `/spot evaluate` through the Bolt app: prices from the (mocked) Pricing API and EC2, pools
// keyed by AZ ID, a poisoned pool struck out and never chosen, the risk model's verdict, and the
// card posted in the channel (golden).
import { readFileSync } from 'node:fs';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeReservedInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { DescribeSavingsPlansCommand, SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accounts, executions, recommendations } from '../../src/db/schema.js';
import { recordInterruption } from '../../src/risk/pool-poisoning.js';
import { ACTIONS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { checkMessage } from '../helpers/slack-limits.js';

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
  afterEach(() => t.stop());

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

  it('asks a second time for a CRITICAL move, and never lets the requester approve it', async () => {
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
    // Bob gets the confirmation modal; submitting it is the approval.
    await t.interact(
      buttonClick(ACTIONS.approve, String(rec!.id), { user: 'U0BOB', messageTs: rec!.slackTs! }),
    );
    const modal = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
    expect(modal.args.view.callback_id).toBe(VIEWS.confirmCritical);
    expect(await t.db.db.select().from(executions)).toHaveLength(0);
    await t.interact(viewSubmission(VIEWS.confirmCritical, modal.args.view.private_metadata, {}, 'U0BOB'));
    await t.slack.waitFor(async () => (await t.db.db.select().from(executions)).length === 1);
    expect((await t.db.db.select().from(executions))[0]).toMatchObject({
      executor: 'spot-lab-switch',
      requestedBy: 'U0ALICE',
      approvedBy: 'U0BOB',
      riskLevel: 'CRITICAL',
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
  });

  it('evaluates an EKS node group and proposes to replace its nodes (cordon, drain, terminate)', async () => {
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: {
        nodegroupName: 'general',
        clusterName: 'prod',
        capacityType: 'ON_DEMAND',
        instanceTypes: ['m5.large'],
        resources: { autoScalingGroups: [{ name: 'eks-general-1234' }] },
      },
    });
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
    await evaluate('evaluate eks:prod/general');
    const card = t.slack.messages.find((m) => m.channel === 'C0OPS' && !m.thread_ts)!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('EKS node group prod/general');
    expect(text).toContain('"rec_approve"');
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
