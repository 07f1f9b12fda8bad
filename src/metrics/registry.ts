// The process's Prometheus registry and the series spotops records as things happen (executions,
// scans, Slack acks). Series read from the database at scrape time live in sql-gauges.ts. To add
// a series: define it here with `registers: [metricsRegistry]` and a small record function the
// code that observes it calls (nothing in the core imports prom-client directly), or add a SQL
// gauge to SQL_GAUGES. Names follow Prometheus conventions: `spotops_` prefix, base units.
import { Counter, Histogram, Registry } from 'prom-client';

/** Everything recorded in-process; merged with the SQL gauges at each scrape (exposition.ts). */
export const metricsRegistry = new Registry();

export const executionsTotal = new Counter({
  name: 'spotops_executions_total',
  help: 'Executions that reached a final state, by executor kind and outcome (succeeded, failed, rolled_back, stale, cancelled).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const executionDuration = new Histogram({
  name: 'spotops_execution_duration_seconds',
  help: 'Time from an execution starting to its final state, by executor kind.',
  labelNames: ['kind'] as const,
  // Tags take a second; a Spot swap waits for instances and drains: up to an hour.
  buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [metricsRegistry],
});

export const scanDuration = new Histogram({
  name: 'spotops_scan_duration_seconds',
  help: 'Wall time of one scanner over one account and region, by scanner and outcome.',
  labelNames: ['scanner', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [metricsRegistry],
});

export const scanFindingsTotal = new Counter({
  name: 'spotops_scan_findings_total',
  help: 'Findings reported by completed scans, by scanner.',
  labelNames: ['scanner'] as const,
  registers: [metricsRegistry],
});

export const slackAckLatency = new Histogram({
  name: 'spotops_slack_ack_latency_seconds',
  help: 'Time from a Slack request reaching the app to its acknowledgement, by request type (Slack allows 3 s).',
  labelNames: ['type'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers: [metricsRegistry],
});

/** Final execution states, the `outcome` label's values. */
const FINAL = new Set(['succeeded', 'failed', 'rolled_back', 'stale', 'cancelled']);

/** Counts an execution that reached a final state and observes how long it took. */
export function recordExecutionFinished(e: {
  executor: string;
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}): void {
  if (!FINAL.has(e.status)) return;
  executionsTotal.inc({ kind: e.executor, outcome: e.status });
  if (e.startedAt && e.finishedAt) {
    const seconds = (e.finishedAt.getTime() - e.startedAt.getTime()) / 1000;
    if (seconds >= 0) executionDuration.observe({ kind: e.executor }, seconds);
  }
}

/** One scanner run over one account and region. */
export function recordScan(
  scanner: string,
  outcome: 'succeeded' | 'failed',
  seconds: number,
  findings: number,
) {
  scanDuration.observe({ scanner, outcome }, seconds);
  if (outcome === 'succeeded') scanFindingsTotal.inc({ scanner }, findings);
}

/** One Slack request acknowledged `seconds` after it arrived. */
export function recordSlackAck(type: string, seconds: number): void {
  slackAckLatency.observe({ type }, seconds);
}
