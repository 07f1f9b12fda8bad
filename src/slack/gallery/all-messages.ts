// Every message and view the builders produce from the fixtures, named: the invariants test checks
// them all, and the console's gallery shows them all.
import {
  accountsList,
  appHome,
  type BUILDER_ACTIONS,
  batchProgressMessage,
  claimModal,
  confirmCriticalModal,
  connectReply,
  digest,
  executionStatusMessage,
  exemptModal,
  findingsSummary,
  helpMessage,
  overrideModal,
  poolAlertCard,
  poolsList,
  queueStatusMessage,
  recommendationCard,
  type SlackMessage,
  scheduleModal,
  shadowItCard,
  wasteGroupCard,
  withExecutionStatus,
} from '../blocks/index.js';
import * as f from './fixtures.js';

export type Builder = keyof typeof BUILDER_ACTIONS;

export interface Produced {
  name: string;
  builder: Builder;
  /** Messages have text + blocks; views have type. */
  output: SlackMessage | { type: 'modal' | 'home'; blocks: unknown[] };
}

export function allProduced(): Produced[] {
  const out: Produced[] = [];
  const add = (builder: Builder, name: string, output: Produced['output']) =>
    out.push({ name, builder, output });

  for (const r of [
    f.labInstanceRecommendation,
    f.asgRecommendation,
    f.nodeGroupRecommendation,
    ...f.notWorthItRecommendations,
    ...Object.values(f.refusedRecommendations),
  ]) {
    add('recommendationCard', `recommendation ${r.recommendationId}`, recommendationCard(r));
  }
  add('wasteGroupCard', 'ebs group', wasteGroupCard(f.ebsGroup));
  add('wasteGroupCard', 'eip group', wasteGroupCard(f.eipGroup));
  for (const offset of [0, 20, 180, 199]) {
    add('wasteGroupCard', `200 volumes from ${offset}`, wasteGroupCard(f.bigEbsGroup(200, offset)));
  }
  add('wasteGroupCard', '200 volumes, page size 40', wasteGroupCard({ ...f.bigEbsGroup(200), pageSize: 40 }));
  add('wasteGroupCard', 'pathological', wasteGroupCard(f.pathologicalWasteGroup));
  add('wasteGroupCard', 'pathological page 2', wasteGroupCard({ ...f.pathologicalWasteGroup, offset: 20 }));
  for (const [name, input] of Object.entries(f.shadowVariants))
    add('shadowItCard', `shadow ${name}`, shadowItCard(input));
  for (const [name, e] of Object.entries(f.executionVariants)) {
    add('executionStatus', `execution ${name}`, executionStatusMessage(e));
    add(
      'executionStatus',
      `recommendation with execution ${name}`,
      withExecutionStatus(recommendationCard(f.labInstanceRecommendation), e),
    );
  }
  add(
    'claimModal',
    'claim',
    claimModal({ recommendationId: 501, instanceId: 'i-0deadbeefcafe0001', userId: 'U024BE7LH' }),
  );
  add('exemptModal', 'exempt', exemptModal({ recommendationId: 501, instanceId: 'i-0deadbeefcafe0001' }));
  add(
    'confirmCriticalModal',
    'confirm critical',
    confirmCriticalModal({
      recommendationId: 42,
      resourceId: 'asg:web-frontend-asg',
      action: 'Replace 6 On-Demand instances of web-frontend-asg with Spot',
      account: f.PROD,
      region: 'eu-west-1',
      monthlySavingsUsd: 518.4,
      reasons: ['Production account', 'Touches every instance of the group'],
      rollbackNote: null,
      dryRun: false,
    }),
  );
  add(
    'overrideModal',
    'override refusals',
    overrideModal({
      recommendationId: 62,
      target: 'Move EKS node group payments/workers-od to Spot',
      refusals: f.refusedRecommendations['node group with pods that cannot move safely']!.preflight!.refusals,
      dryRun: true,
    }),
  );
  add('poolAlertCard', 'pool alert', poolAlertCard(f.poolAlert));
  add('poolsList', 'pools', poolsList({ pools: f.pools, now: f.NOW }));
  add('poolsList', 'no pools', poolsList({ pools: [], now: f.NOW }));
  add(
    'poolsList',
    '300 pools',
    poolsList({
      pools: Array.from({ length: 300 }, (_, i) => ({ ...f.pools[0]!, instanceType: `m${i}.large` })),
      now: f.NOW,
    }),
  );
  add('accountsList', 'accounts', accountsList({ accounts: f.accounts }));
  add('accountsList', 'no accounts', accountsList({ accounts: [] }));
  add(
    'accountsList',
    '80 accounts',
    accountsList({
      accounts: Array.from({ length: 80 }, (_, i) => ({ ...f.accounts[0]!, name: `acct-${i}` })),
    }),
  );
  add('connectReply', 'connect small', connectReply(f.connectSmall));
  add('connectReply', 'connect large', connectReply(f.connectLarge));
  add('helpMessage', 'help', helpMessage());
  add('helpMessage', 'help unknown', helpMessage({ unknown: 'evalute i-123 <script>' }));
  add('appHome', 'home', appHome(f.appHomeInput));
  add(
    'appHome',
    'home crowded',
    appHome({
      ...f.appHomeInput,
      accounts: Array.from({ length: 60 }, (_, i) => ({ ...f.appHomeInput.accounts[0]!, name: `acct-${i}` })),
      recentExecutions: Array.from({ length: 120 }, (_, i) => ({
        ...f.appHomeInput.recentExecutions[0]!,
        id: i,
      })),
    }),
  );
  add('digest', 'digest', digest(f.digestInput));
  add(
    'digest',
    'digest with chart, upper bounds and more kinds than listed',
    digest({
      ...f.digestInput,
      chartDays: 30,
      perKind: Array.from({ length: 14 }, (_, i) => ({
        label: `Kind ${i + 1}`,
        count: 1000 * (i + 1),
        newToday: i,
        monthlySavingsUsd: 100.5 * (i + 1),
        upperBoundMonthlyUsd: i % 4 === 0 ? 100.5 * (i + 1) : 0,
      })),
      savings: { ...f.digestInput.savings, upperBoundMonthlyUsd: 2311.5 },
    }),
  );
  add('digest', 'empty digest', digest({ ...f.digestInput, perKind: [], topItems: [], shadowIt: null }));
  const counts = { total: 40, succeeded: 12, failed: 1, skipped: 0, cancelled: 0, running: 0, queued: 27 };
  const batch = {
    batchId: 'b3fa9c2d1',
    description: 'Approve all: 40 unattached EBS volumes in payments-prod us-east-1',
    requestedBy: 'U024BE7LH',
    settings: 'parallel: up to 4 at once, stops after 1 failure',
    counts,
    stopReason: null,
  };
  add('batchProgressMessage', 'batch in progress', batchProgressMessage(batch));
  add(
    'batchProgressMessage',
    'batch stopped',
    batchProgressMessage({
      ...batch,
      counts: { ...counts, running: 0, queued: 0, cancelled: 27 },
      stopReason: 'stopped after 1 failure',
    }),
  );
  add(
    'batchProgressMessage',
    'batch finished',
    batchProgressMessage({ ...batch, counts: { ...counts, succeeded: 40, failed: 0, queued: 0 } }),
  );
  const item = (i: number) => ({
    id: 9000 + i,
    executor: 'delete-ebs-volume',
    account: 'payments-prod',
    region: 'us-east-1',
    priority: 'high',
    scheduledFor: f.NOW,
    startedAt: f.NOW,
    batchId: i % 2 ? 'b3fa9c2d1' : null,
    recommendationId: 100 + i,
  });
  const many = Array.from({ length: 10 }, (_, i) => item(i));
  add(
    'queueStatusMessage',
    'queue with thousands',
    queueStatusMessage({
      running: 8,
      queuedByPriority: [
        { band: 'critical', n: 3 },
        { band: 'high', n: 120 },
        { band: 'medium', n: 4000 },
        { band: 'low', n: 900 },
      ],
      scheduledLater: 2500,
      runningTop: many.slice(0, 8),
      queuedTop: many,
      nextScheduled: many,
      limits: { global: 8, perAccount: 2 },
    }),
  );
  add(
    'queueStatusMessage',
    'empty queue',
    queueStatusMessage({
      running: 0,
      queuedByPriority: [],
      scheduledLater: 0,
      runningTop: [],
      queuedTop: [],
      nextScheduled: [],
      limits: { global: 8, perAccount: 2 },
    }),
  );
  add(
    'scheduleModal',
    'schedule',
    scheduleModal({
      recommendationId: 42,
      title: 'Unattached EBS volume vol-0abc',
      state: 'queued',
      priority: 'medium',
    }),
  );
  add('findingsSummary', 'waste summary', findingsSummary(f.wasteSummary));
  add('findingsSummary', 'shadow summary', findingsSummary(f.shadowSummary));
  add('findingsSummary', 'nothing open', findingsSummary({ scope: 'shadow', rows: [] }));
  add(
    'findingsSummary',
    '100 accounts',
    findingsSummary({
      scope: 'waste',
      rows: Array.from({ length: 100 }, (_, i) => ({
        account: `acct-${i}`,
        label: 'Old snapshots',
        count: i + 1,
        monthlySavingsUsd: i,
      })),
    }),
  );
  return out;
}

/** The gallery the console serves: every produced message and view, by name. */
export function galleryEntries(): Produced[] {
  return allProduced();
}
