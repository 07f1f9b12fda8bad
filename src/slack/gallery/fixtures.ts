// Realistic builder inputs shared by the golden tests, the invariants test and the console's Block
// Kit gallery (every card the bot can send, previewed beside real Slack). Time is fixed.
import type {
  AccountRow,
  AppHomeInput,
  ConnectReplyInput,
  DigestInput,
  ExecutionStatusInput,
  FindingsSummaryInput,
  PoolAlertInput,
  PoolRow,
  RecommendationCardInput,
  ShadowItCardInput,
  WasteGroupCardInput,
  WasteItem,
} from '../blocks/index.js';

export const NOW = new Date('2026-03-10T09:00:00Z');
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
const hours = (n: number) => new Date(NOW.getTime() + n * 3_600_000);

export const PROD = { name: 'prod-main', awsAccountId: '123456789012', environment: 'PROD' as const };
export const LAB = { name: 'lab-sandbox', awsAccountId: '210987654321', environment: 'LAB' as const };

export const labInstanceRecommendation: RecommendationCardInput = {
  recommendationId: 41,
  target: {
    kind: 'instance',
    instanceId: 'i-0a1b2c3d4e5f60718',
    name: 'build-runner-3',
    instanceType: 'm5.large',
  },
  account: LAB,
  region: 'us-east-1',
  onDemand: { pricePerHour: 0.096, source: 'offline', asOf: new Date('2026-02-01T00:00:00Z') },
  spotPrices: [
    { az: 'us-east-1b', instanceType: 'm5.large', pricePerHour: 0.0331, poisonedUntil: days(6) },
    { az: 'us-east-1a', instanceType: 'm5.large', pricePerHour: 0.0374 },
    { az: 'us-east-1c', instanceType: 'm5.large', pricePerHour: 0.0402 },
    { az: 'us-east-1d', instanceType: 'm5.large', pricePerHour: 0.0388, poisonedUntil: days(-1) },
  ],
  chosen: { az: 'us-east-1a', instanceType: 'm5.large' },
  monthlySavingsUsd: 42.77,
  risk: {
    score: 0.27,
    level: 'MEDIUM',
    reasons: [
      'Spot Advisor puts m5.large in us-east-1 in the 5-10% interruption band',
      'Price rose 8% over the last 24 hours',
      'One interruption in this pool in the last 30 days',
      'Placement score 7 of 10',
    ],
  },
  engine: 'onnx',
  modelVersion: '2026.02.1',
  commitments: [],
  scope: { azs: ['us-east-1a'], reason: 'instance-subnet' },
  approval: { risk: 'HIGH', approvers: ['U0ALICE', 'subteam:S0OPS'], requestedBy: 'U0BOB' },
  now: NOW,
};

export const asgRecommendation: RecommendationCardInput = {
  recommendationId: 42,
  target: { kind: 'asg', name: 'web-frontend-asg', instanceTypes: ['c5.xlarge'], onDemandCount: 6 },
  account: PROD,
  region: 'eu-west-1',
  onDemand: { pricePerHour: 0.192, source: 'pricing-api', asOf: days(-1) },
  spotPrices: [
    { az: 'eu-west-1a', instanceType: 'c5.xlarge', pricePerHour: 0.0721 },
    { az: 'eu-west-1b', instanceType: 'c5.xlarge', pricePerHour: 0.0698 },
    { az: 'eu-west-1a', instanceType: 'c5a.xlarge', pricePerHour: 0.0655 },
    { az: 'eu-west-1b', instanceType: 'c5a.xlarge', pricePerHour: 0.0667 },
    { az: 'eu-west-1a', instanceType: 'c6i.xlarge', pricePerHour: 0.0744 },
    { az: 'eu-west-1b', instanceType: 'c6i.xlarge', pricePerHour: 0.0759, poisonedUntil: days(13) },
  ],
  diversification: {
    azs: ['eu-west-1a', 'eu-west-1b'],
    instanceTypes: ['c5.xlarge', 'c5a.xlarge', 'c6i.xlarge'],
  },
  monthlySavingsUsd: 518.4,
  risk: {
    score: 0.12,
    level: 'LOW',
    reasons: ['Six pools across two AZs', 'Low price volatility over 7 days'],
  },
  engine: 'fallback',
  modelVersion: '2026.02.1',
  commitments: [{ kind: 'savings-plan', id: 'sp-0f3e2d1c' }],
  now: NOW,
};

export const nodeGroupRecommendation: RecommendationCardInput = {
  ...asgRecommendation,
  recommendationId: 43,
  target: {
    kind: 'node-group',
    cluster: 'payments',
    name: 'workers-od',
    instanceTypes: ['m6i.2xlarge'],
    onDemandCount: 4,
  },
  diversification: {
    azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    instanceTypes: ['m6i.2xlarge', 'm5.2xlarge'],
  },
  commitments: [],
};

export const notWorthItRecommendations: RecommendationCardInput[] = [
  {
    ...labInstanceRecommendation,
    recommendationId: 44,
    monthlySavingsUsd: 2.1,
    notWorthIt: { reason: 'savings-below-threshold', thresholdUsd: 5 },
  },
  {
    ...labInstanceRecommendation,
    recommendationId: 45,
    spotPrices: labInstanceRecommendation.spotPrices.map((p) => ({ ...p, poisonedUntil: days(4) })),
    notWorthIt: { reason: 'all-pools-poisoned', azs: ['us-east-1a'], instanceTypes: ['m5.large'] },
  },
  {
    ...labInstanceRecommendation,
    recommendationId: 46,
    target: { kind: 'instance', instanceId: 'i-0ffeedbeef0000001', instanceType: 'mac2.metal' },
    spotPrices: [],
    chosen: null,
    notWorthIt: {
      reason: 'not-spot-capable',
      detail: 'mac2.metal is offered On-Demand only (Dedicated Host)',
    },
  },
  {
    ...labInstanceRecommendation,
    recommendationId: 47,
    commitments: [{ kind: 'reserved-instance', id: 'ri-0123456789abcdef0' }],
    notWorthIt: {
      reason: 'covered-by-commitment',
      commitment: { kind: 'reserved-instance', id: 'ri-0123456789abcdef0' },
    },
  },
];

export const EBS_LABELS = {
  singular: 'unattached EBS volume',
  plural: 'unattached EBS volumes',
  doneVerb: 'deleted',
};

export function ebsItem(i: number, state: WasteItem['state'] = { kind: 'open' }): WasteItem {
  const size = [8, 20, 100, 500][i % 4]!;
  return {
    recommendationId: 1000 + i,
    title: `vol-0${(0xabc000 + i).toString(16)} (${size} GiB gp2)`,
    evidence: `Unattached since 2026-02-${String(1 + (i % 27)).padStart(2, '0')}, last attached to i-0${(0x5d0000 + i).toString(16)}`,
    monthlySavingsUsd: size * 0.1,
    state,
  };
}

export const ebsGroup: WasteGroupCardInput = {
  groupKey: '3:us-east-1:ebs-unattached',
  account: PROD,
  region: 'us-east-1',
  labels: EBS_LABELS,
  note: 'Each volume is snapshotted before it is deleted.',
  items: [
    ebsItem(0),
    ebsItem(1),
    ebsItem(2, {
      kind: 'done',
      by: 'U024BE7LH',
      executionId: 88,
      canRollback: true,
      note: 'snapshot snap-0aa11bb22',
    }),
    ebsItem(3, { kind: 'stale', reason: 'vol-0abc003 is attached to i-0777 again' }),
    ebsItem(4, { kind: 'ignored', by: 'U0G9QF9C6' }),
    ebsItem(5, { kind: 'in-progress', by: 'U024BE7LH' }),
    ebsItem(6, { kind: 'failed', error: 'VolumeInUse: vol-0abc006 is currently attached to i-0999' }),
  ],
  now: NOW,
};

export const EIP_LABELS = {
  singular: 'unattached Elastic IP',
  plural: 'unattached Elastic IPs',
  doneVerb: 'released',
};

export const eipGroup: WasteGroupCardInput = {
  groupKey: '3:us-east-1:eip-unattached',
  account: PROD,
  region: 'us-east-1',
  labels: EIP_LABELS,
  note: 'No backup: a released address can only be reclaimed if nobody else took it.',
  items: [
    {
      recommendationId: 2001,
      title: 'eipalloc-0a1b2c3d (52.1.2.3)',
      evidence: 'Not associated since first seen 2026-02-20',
      monthlySavingsUsd: 3.65,
      state: { kind: 'done', by: 'U1', dryRun: false },
    },
    {
      recommendationId: 2002,
      title: 'eipalloc-0e0f1a2b (3.4.5.6)',
      evidence: 'Not associated since first seen 2026-03-01',
      monthlySavingsUsd: 3.65,
      state: { kind: 'done', by: 'U1', dryRun: true },
    },
  ],
  now: NOW,
};

export function bigEbsGroup(n: number, offset = 0): WasteGroupCardInput {
  return {
    ...ebsGroup,
    items: Array.from({ length: n }, (_, i) =>
      ebsItem(i, i % 9 === 4 ? { kind: 'ignored', by: 'U0G9QF9C6' } : { kind: 'open' }),
    ),
    offset,
  };
}

const LONG = 'x'.repeat(5000);
const LONG_WORDS = Array.from({ length: 800 }, (_, i) => `<word${i}&>`).join(' ');

/** Every user-provided string as long and hostile as it gets. */
export const pathologicalWasteGroup: WasteGroupCardInput = {
  ...ebsGroup,
  account: { name: `acct-${LONG}`, awsAccountId: '123456789012' },
  labels: { singular: `volume ${LONG}`, plural: `volumes ${LONG}`, doneVerb: `deleted ${LONG}` },
  note: LONG_WORDS,
  items: Array.from({ length: 60 }, (_, i) => ({
    recommendationId: 9_000_000 + i,
    title: `${LONG_WORDS}\n${i}`,
    evidence: LONG_WORDS,
    monthlySavingsUsd: 123456.789,
    state:
      i % 3 === 0
        ? { kind: 'stale' as const, reason: LONG_WORDS }
        : i % 3 === 1
          ? { kind: 'open' as const }
          : { kind: 'done' as const, by: 'U1', executionId: 99_999_999, canRollback: true, note: LONG },
  })),
};

export const shadowOpen: ShadowItCardInput = {
  recommendationId: 501,
  account: LAB,
  region: 'us-west-2',
  instance: {
    id: 'i-0deadbeefcafe0001',
    type: 'g5.12xlarge',
    az: 'us-west-2c',
    launchedAt: hours(-5),
    name: 'llm-experiment',
  },
  launchedBy: 'arn:aws:sts::210987654321:assumed-role/DevRole/jane@example.com',
  missingTags: [
    'ManagedBy=SpotOptimizer',
    'aws:autoscaling:groupName',
    'eks:cluster-name',
    'kubernetes.io/cluster/*',
  ],
  policy: 'terminate',
  dueAt: hours(19),
  state: { kind: 'open' },
  now: NOW,
};

export const shadowVariants: Record<string, ShadowItCardInput> = {
  open: shadowOpen,
  stopPolicy: { ...shadowOpen, recommendationId: 502, policy: 'stop' },
  notifyOnly: { ...shadowOpen, recommendationId: 503, account: PROD, policy: 'notify', launchedBy: null },
  overdue: { ...shadowOpen, recommendationId: 504, dueAt: hours(-1) },
  claimed: {
    ...shadowOpen,
    state: { kind: 'claimed', by: 'U024BE7LH', owner: 'U0G9QF9C6', team: 'ml-research' },
  },
  exempted: {
    ...shadowOpen,
    state: {
      kind: 'exempted',
      by: 'U024BE7LH',
      reason: 'Benchmark for <vendor> & co, ends Friday',
      until: days(5),
    },
  },
  exemptedForever: {
    ...shadowOpen,
    state: { kind: 'exempted', by: 'U024BE7LH', reason: 'Bastion host', until: null },
  },
  terminated: { ...shadowOpen, state: { kind: 'terminated', by: null, snapshots: ['snap-0a1', 'snap-0b2'] } },
  terminatedByUser: { ...shadowOpen, state: { kind: 'terminated', by: 'U024BE7LH', snapshots: [] } },
  stopped: { ...shadowOpen, policy: 'stop', state: { kind: 'stopped', by: null } },
};

export const executionBase: ExecutionStatusInput = {
  executionId: 88,
  status: 'succeeded',
  dryRun: false,
  approvedBy: 'U024BE7LH',
  summary: 'Released eipalloc-0a1b2c3d (52.1.2.3)',
  canRollback: true,
  at: hours(-1),
};

export const executionVariants: Record<string, ExecutionStatusInput> = {
  approved: { ...executionBase, status: 'approved', summary: null },
  validating: { ...executionBase, status: 'validating', summary: null },
  executing: {
    ...executionBase,
    status: 'executing',
    summary: null,
    rollbackNote: 'No rollback: the address returns to the AWS pool.',
    canRollback: false,
  },
  dryRun: {
    ...executionBase,
    status: 'succeeded',
    dryRun: true,
    summary: 'Would have released eipalloc-0a1b2c3d (dry run)',
  },
  succeeded: executionBase,
  succeededIrreversible: {
    ...executionBase,
    canRollback: false,
    summary: 'Deleted snap-0123 (200 GiB)',
    rollbackNote: 'No rollback: a deleted snapshot cannot be restored.',
  },
  failed: {
    ...executionBase,
    status: 'failed',
    summary: null,
    error: 'UnauthorizedOperation: the role lacks ec2:ReleaseAddress',
  },
  stale: {
    ...executionBase,
    status: 'stale',
    summary: null,
    error: 'eipalloc-0a1b2c3d is associated with i-0777 since the card was posted',
  },
  rollingBack: { ...executionBase, status: 'rolling_back', summary: null },
  rolledBack: {
    ...executionBase,
    status: 'rolled_back',
    rolledBackBy: 'U0G9QF9C6',
    summary: 'Re-attached vol-0abc to i-0777',
  },
  cancelled: { ...executionBase, status: 'cancelled', summary: null, approvedBy: null },
};

export const poolAlert: PoolAlertInput = {
  region: 'us-east-1',
  availabilityZone: 'us-east-1b',
  instanceType: 'm5.large',
  kind: 'interruption',
  account: PROD,
  instanceId: 'i-0aaa111bbb222ccc3',
  interruptionCount: 3,
  poisonedUntil: days(15),
  replacing: ['i-0aaa111bbb222ccc3'],
  now: NOW,
};

export const pools: PoolRow[] = [
  {
    region: 'us-east-1',
    availabilityZone: 'us-east-1b',
    instanceType: 'm5.large',
    poisonExpiresAt: days(15),
    interruptionCount: 3,
    rebalanceCount: 1,
  },
  {
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1b',
    instanceType: 'c6i.xlarge',
    poisonExpiresAt: days(2),
    interruptionCount: 1,
  },
  {
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    instanceType: 'r5.large',
    poisonExpiresAt: days(-1),
    interruptionCount: 1,
  },
];

export const accounts: AccountRow[] = [
  {
    name: 'prod-main',
    awsAccountId: '123456789012',
    environment: 'PROD',
    regions: ['us-east-1', 'eu-west-1'],
    status: 'verified',
    approvers: ['U024BE7LH', 'S0614TZR7'],
    slackChannel: 'C0123ABCD',
    shadowItAction: null,
  },
  {
    name: 'lab-<sandbox>',
    awsAccountId: null,
    environment: 'LAB',
    regions: [],
    status: 'pending',
    approvers: [],
    slackChannel: null,
    shadowItAction: 'stop',
  },
];

export const SMALL_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: spotops access for lab-sandbox
Parameters:
  ExternalId:
    Type: String
Resources:
  SpotOpsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: arn:aws:iam::999999999999:root }
            Action: sts:AssumeRole
            Condition: { StringEquals: { sts:ExternalId: !Ref ExternalId } }
Outputs:
  RoleArn:
    Value: !GetAtt SpotOpsRole.Arn
`;

export const connectSmall: ConnectReplyInput = {
  name: 'lab-sandbox',
  environment: 'LAB',
  regions: ['us-east-1', 'us-west-2'],
  externalId: 'spotops-7f3a9c2e-1b4d-4e8a-9f00-3c2b1a0d9e8f',
  quickCreateUrl:
    'https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/quickcreate?templateURL=https%3A%2F%2Fspotops-templates.s3.amazonaws.com%2Flab-sandbox.yaml&stackName=spotops-lab-sandbox&param_ExternalId=spotops-7f3a9c2e-1b4d-4e8a-9f00-3c2b1a0d9e8f',
  template: SMALL_TEMPLATE,
};

export const connectLarge: ConnectReplyInput = {
  ...connectSmall,
  template: `${SMALL_TEMPLATE}${'# policy statement padding\n'.repeat(200)}`,
};

export const appHomeInput: AppHomeInput = {
  accounts: [
    { name: 'prod-main', environment: 'PROD', status: 'verified', regions: ['us-east-1', 'eu-west-1'] },
    { name: 'lab-sandbox', environment: 'LAB', status: 'pending', regions: [] },
  ],
  findings: [
    { label: 'Unattached EBS volumes', count: 7, monthlySavingsUsd: 84.1 },
    { label: 'Unattached Elastic IPs', count: 3, monthlySavingsUsd: 10.95 },
    { label: 'Old snapshots', count: 41, monthlySavingsUsd: 212.35 },
    { label: 'Untagged instances', count: 2, monthlySavingsUsd: 0 },
  ],
  savings: { realisedMonthlyUsd: 1204.5, estimatedMonthlyUsd: 1350 },
  recentExecutions: [
    {
      id: 88,
      title: 'Release eipalloc-0a1b2c3d',
      status: 'succeeded',
      dryRun: false,
      approvedBy: 'U024BE7LH',
      at: hours(-1),
    },
    {
      id: 87,
      title: 'Lab switch build-runner-3 to Spot',
      status: 'executing',
      dryRun: false,
      approvedBy: 'U0G9QF9C6',
      at: hours(-2),
    },
    {
      id: 86,
      title: 'Delete snap-0123',
      status: 'succeeded',
      dryRun: true,
      approvedBy: 'U024BE7LH',
      at: hours(-26),
    },
    { id: 85, title: 'Delete vol-0abc003', status: 'stale', dryRun: false, approvedBy: null, at: hours(-30) },
  ],
  poisonedPools: 2,
  now: NOW,
};

export const digestInput: DigestInput = {
  day: new Date('2026-03-09T00:00:00Z'),
  perKind: [
    { label: 'Unattached EBS volumes', count: 7, newToday: 2, monthlySavingsUsd: 84.1 },
    { label: 'Old snapshots', count: 41, newToday: 0, monthlySavingsUsd: 212.35 },
    { label: 'Unattached Elastic IPs', count: 3, newToday: 1, monthlySavingsUsd: 10.95 },
  ],
  topItems: [
    {
      recommendationId: 1002,
      title: 'vol-0abc002 (100 GiB gp2)',
      account: 'prod-main',
      region: 'us-east-1',
      monthlySavingsUsd: 10,
    },
    {
      recommendationId: 42,
      title: 'web-frontend-asg to Spot',
      account: 'prod-main',
      region: 'eu-west-1',
      monthlySavingsUsd: 518.4,
    },
    {
      recommendationId: 3011,
      title: 'snap-0f00 (1 TiB, 400 days old)',
      account: 'lab-sandbox',
      region: 'us-west-2',
      monthlySavingsUsd: 51.2,
    },
  ],
  savings: { realisedMonthlyUsd: 1204.5, estimatedMonthlyUsd: 1350, executions: 12, failed: 1 },
  shadowIt: { open: 2, dueWithin24h: 1 },
  poisonedPools: 2,
};

export const wasteSummary: FindingsSummaryInput = {
  scope: 'waste',
  rows: [
    { account: 'prod-main', label: 'Unattached EBS volumes', count: 7, monthlySavingsUsd: 84.1 },
    { account: 'prod-main', label: 'Unattached Elastic IPs', count: 3, monthlySavingsUsd: 10.95 },
    { account: 'lab-sandbox', label: 'Old snapshots', count: 41, monthlySavingsUsd: 212.35 },
    { account: 'lab-sandbox', label: 'Unattached Elastic IPs', count: 0, monthlySavingsUsd: 0 },
  ],
};

export const shadowSummary: FindingsSummaryInput = {
  scope: 'shadow',
  account: 'lab-sandbox',
  rows: [{ account: 'lab-sandbox', label: 'us-west-2', count: 2, monthlySavingsUsd: 4120.8 }],
};

const ASG_PATH_TEXT =
  "Spot clones launched from the group's launch template, one at a time: attach the clone, then detach and terminate the old instance (capacity never below desired).";
const K8S_PATH_TEXT =
  "Unmanaged Spot clones from the node group's launch template, attached to its Auto Scaling group; each old node is cordoned and drained (PDBs respected) once its clone is Ready. The node group stays ON_DEMAND: its own scale-outs and replacements launch On-Demand.";

/** Every refusal a Spot card can show (golden-tested, checked against Slack's limits). */
export const refusedRecommendations: Record<string, RecommendationCardInput> = {
  'asg defined by AZs only': {
    ...asgRecommendation,
    recommendationId: 60,
    scope: { azs: ['eu-west-1a', 'eu-west-1b'], reason: 'group-subnets' },
    preflight: {
      path: ASG_PATH_TEXT,
      refusals: [
        {
          code: 'no-subnets',
          title:
            "defined by AvailabilityZones only (eu-west-1a, eu-west-1b), no subnets: a clone needs a subnet in its instance's AZ",
          objects: [],
        },
      ],
      notes: ['Launch template web-frontend (version $Default)'],
    },
  },
  'asg that cannot be swapped as it is': {
    ...asgRecommendation,
    recommendationId: 61,
    preflight: {
      path: ASG_PATH_TEXT,
      refusals: [
        {
          code: 'no-subnet-in-az',
          title: 'instances run in AZs where the group has no subnet',
          objects: ['eu-west-1c'],
        },
        {
          code: 'launch-configuration',
          title: 'launches from a launch configuration; a clone needs a launch template',
          objects: ['web-frontend-lc-2019'],
        },
        {
          code: 'suspended-processes',
          title: 'processes the swap needs are suspended',
          objects: ['Launch', 'Terminate'],
        },
        { code: 'instance-refresh', title: 'an instance refresh is in progress', objects: [] },
        {
          code: 'warm-pool',
          title: 'has a warm pool: scale-outs would come back On-Demand from it',
          objects: ['2 warm instance(s), state Stopped'],
        },
        {
          code: 'terminating-hook',
          title:
            'terminating lifecycle hooks would be skipped (the old instance is detached before it is terminated)',
          objects: ['drain-connections'],
        },
      ],
      notes: [
        'Subnets: eu-west-1a subnet-0a; eu-west-1b subnet-0b',
        'Mixed instances policy: On-Demand base 0, 100% On-Demand above it; new launches follow the policy, not the swap',
        'Suspended: AZRebalance',
      ],
    },
  },
  'node group with pods that cannot move safely': {
    ...nodeGroupRecommendation,
    recommendationId: 62,
    preflight: {
      path: K8S_PATH_TEXT,
      refusals: [
        {
          code: 'do-not-disrupt',
          title: 'marked karpenter.sh/do-not-disrupt',
          objects: ['pod default/batch-1 (karpenter.sh/do-not-disrupt=true)'],
          overridable: true,
        },
        {
          code: 'statefulset',
          title: 'StatefulSet pods',
          objects: ['pod default/db-0 (StatefulSet default/db)'],
          overridable: true,
        },
        {
          code: 'single-replica',
          title: 'single-replica workloads',
          objects: ['Deployment default/api (Deployment default/api runs 1 replica)'],
          overridable: true,
        },
        {
          code: 'no-pdb',
          title: 'pods no PodDisruptionBudget covers',
          objects: Array.from(
            { length: 9 },
            (_, i) => `pod default/worker-${i} (no PodDisruptionBudget selects it)`,
          ),
          overridable: true,
        },
        {
          code: 'pdb-blocks',
          title: 'PodDisruptionBudgets that allow no disruption',
          objects: [
            'PodDisruptionBudget default/cache (allows 0 disruptions with all 2 pods healthy (protects default/cache-1))',
          ],
          overridable: true,
        },
        {
          code: 'empty-dir',
          title: 'pods with emptyDir data',
          objects: ['pod default/scratch-1 (emptyDir volume tmp)'],
          overridable: true,
        },
        {
          code: 'bare-pod',
          title: 'bare pods (no controller)',
          objects: ['pod default/debug (no controller recreates it)'],
          overridable: true,
        },
        {
          code: 'local-pv',
          title: 'pods with local PersistentVolumes',
          objects: ['pod default/es-0 (claim data-es-0 is bound to the local volume pvc-1a2b3c4d)'],
          overridable: true,
        },
      ],
      notes: ['Subnets: eu-west-1a subnet-0a; eu-west-1b subnet-0b; eu-west-1c subnet-0c'],
    },
  },
  'node group whose role lacks Kubernetes RBAC': {
    ...nodeGroupRecommendation,
    recommendationId: 63,
    preflight: {
      path: K8S_PATH_TEXT,
      refusals: [
        {
          code: 'rbac',
          title: 'the role lacks Kubernetes RBAC in payments',
          objects: ['create pods/eviction', 'list policy/poddisruptionbudgets'],
        },
      ],
    },
  },
  'node group whose cluster could not be checked': {
    ...nodeGroupRecommendation,
    recommendationId: 64,
    preflight: {
      path: K8S_PATH_TEXT,
      refusals: [
        {
          code: 'cluster',
          title:
            'spotops could not check payments: the role lacks access to the cluster (the API server rejected the token: map the role with an EKS access entry)',
          objects: [],
        },
      ],
    },
  },
};
