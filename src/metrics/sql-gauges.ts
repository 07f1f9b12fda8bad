// Series read from the database at scrape time: state that several replicas share (the queue,
// the outbox, savings, pools), so every replica reports the same truth and a restart loses
// nothing. Each entry is one aggregation (src/db/queries/metrics.ts). To add one, add an entry:
// the key is the metric name.
import type { DbOrTx } from '../db/client.js';
import { replacedBeforeTerminationRate } from '../db/queries/interruption-responses.js';
import {
  measuredMonthlyByKind,
  outboxBacklog,
  poisonedPoolCount,
  queueDepth,
} from '../db/queries/metrics.js';
import { openTotals } from '../db/queries/recommendations.js';
import { DAY } from '../lib/clock.js';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface SqlGauge {
  help: string;
  labelNames: readonly string[];
  read(db: DbOrTx, now: Date): Promise<Sample[]>;
}

export const SQL_GAUGES = {
  spotops_queue_depth: {
    help: 'Unfinished executions by priority (lower runs first) and status (awaiting approval, queued, running).',
    labelNames: ['priority', 'status'],
    read: async (db) =>
      (await queueDepth(db)).map((r) => ({
        labels: { priority: String(r.priority), status: r.status },
        value: r.count,
      })),
  },
  spotops_outbox_backlog: {
    help: 'Slack messages waiting in the outbox for delivery, by kind.',
    labelNames: ['kind'],
    read: async (db, now) =>
      (await outboxBacklog(db, now)).map((r) => ({ labels: { kind: r.kind }, value: r.count })),
  },
  spotops_outbox_oldest_pending_seconds: {
    help: 'Age of the oldest outbox row still waiting for delivery, by kind.',
    labelNames: ['kind'],
    read: async (db, now) =>
      (await outboxBacklog(db, now)).map((r) => ({ labels: { kind: r.kind }, value: r.oldestAgeSeconds })),
  },
  spotops_open_findings: {
    help: 'Open findings (found or posted, waiting for a person), by kind.',
    labelNames: ['kind'],
    read: async (db) =>
      (await openTotals(db, { groupBy: 'kind', perAccount: false })).map((r) => ({
        labels: { kind: r.key },
        value: r.count,
      })),
  },
  spotops_estimated_monthly_savings_usd: {
    help: 'Monthly savings the open findings estimate (Spot recommendations included; snapshot figures are upper bounds), by kind.',
    labelNames: ['kind'],
    read: async (db) =>
      (await openTotals(db, { groupBy: 'kind', perAccount: false })).map((r) => ({
        labels: { kind: r.key },
        value: r.monthlySavingsUsd,
      })),
  },
  spotops_measured_monthly_savings_usd: {
    help: 'Monthly run rate of savings measured from what happened after executions (measured_savings), by kind.',
    labelNames: ['kind'],
    read: async (db) =>
      (await measuredMonthlyByKind(db)).map((r) => ({
        labels: { kind: r.kind },
        value: r.measuredMonthlyUsd,
      })),
  },
  spotops_executed_estimated_monthly_savings_usd: {
    help: 'Monthly savings the measured executions were approved with (their estimate), by kind.',
    labelNames: ['kind'],
    read: async (db) =>
      (await measuredMonthlyByKind(db)).map((r) => ({
        labels: { kind: r.kind },
        value: r.estimatedMonthlyUsd,
      })),
  },
  spotops_poisoned_pools: {
    help: 'Spot pools (AZ + instance type) poisoned now: no Spot move targets them until the poison expires.',
    labelNames: [],
    read: async (db, now) => [{ labels: {}, value: await poisonedPoolCount(db, now) }],
  },
  spotops_interruption_warnings_handled: {
    help: 'Interruption warnings spotops answered with a replacement over the last 30 days, and how many of those replacements were healthy before the interrupted instance stopped.',
    labelNames: ['outcome'],
    read: async (db, now) => {
      const r = await replacedBeforeTerminationRate(db, { since: new Date(now.getTime() - 30 * DAY) });
      return [
        { labels: { outcome: 'handled' }, value: r.handled },
        { labels: { outcome: 'replaced_in_time' }, value: r.replacedInTime },
      ];
    },
  },
  spotops_replaced_before_termination_ratio: {
    help: 'Share of the last 30 days of handled interruption warnings whose replacement was healthy before the interrupted instance stopped (absent with none handled).',
    labelNames: [],
    read: async (db, now) => {
      const r = await replacedBeforeTerminationRate(db, { since: new Date(now.getTime() - 30 * DAY) });
      return r.rate === null ? [] : [{ labels: {}, value: r.rate }];
    },
  },
} as const satisfies Record<string, SqlGauge>;
