// Savings measured per execution from what happened, stored in `measured_savings` and read by
// `/spot savings`, the digest and App Home (instead of the estimate the execution was approved
// with). Spot moves: hours each Spot instance actually ran x (On-Demand - the observed Spot price
// of its pool); a rolled-back or failed move saved nothing. Deleted/released resources: the list
// price for the hours since, while the resource stays gone. Refreshed daily until 30 days.
import { and, eq, gte, inArray, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  type Execution,
  executions,
  instances,
  measuredSavings,
  poolEvents,
  recommendations,
  resourceSightings,
} from '../db/schema.js';
import { type Clock, DAY, HOUR } from '../lib/clock.js';
import { type OnDemandDeps, onDemandPrice } from '../pricing/on-demand.js';
import { monthlyRate, realisationRatio, spotRunSavings } from '../pricing/realised.js';
import { HOURS_PER_MONTH } from '../pricing/savings.js';
import { spotPriceSeries } from '../pricing/spot.js';

/** Executions are measured daily until this age; after it their last measurement stands. */
export const MEASURE_DAYS = 30;
const PRODUCT = 'Linux/UNIX';

export const SPOT_EXECUTORS = ['spot-lab-switch', 'spot-asg-swap', 'spot-k8s-replace'] as const;
/** Executors whose saving is a resource that stays gone (its list price keeps not being paid). */
export const GONE_EXECUTORS = [
  'release-elastic-ip',
  'delete-ebs-volume',
  'delete-ebs-snapshot',
  'terminate-instance',
] as const;

export type MeasureMethod = 'spot-price-series' | 'still-gone' | 'reappeared' | 'rolled-back' | 'not-run';

export interface Measurement {
  executionId: number;
  kind: string;
  method: MeasureMethod;
  hours: number;
  savedUsd: number;
  onDemandUsd: number;
  monthlyRateUsd: number;
  estimatedMonthlyUsd: number;
  detail: Record<string, unknown>;
}

export interface MeasureDeps {
  db: Db;
  clock: Clock;
  /** On-Demand prices (the same source the cards use). */
  prices: Omit<OnDemandDeps, 'db' | 'clock'>;
}

/** Spot instance ids an execution's undo names (lab: cloneId; ASG: swaps; node group: replacements). */
export function spotInstanceIds(undo: unknown): string[] {
  const u = (undo ?? {}) as {
    cloneId?: unknown;
    swaps?: { cloneId?: unknown }[];
    replacements?: { cloneId?: unknown }[];
  };
  const ids = [
    u.cloneId,
    ...(u.swaps ?? []).map((s) => s.cloneId),
    ...(u.replacements ?? []).map((r) => r.cloneId),
  ];
  return ids.filter((id): id is string => typeof id === 'string' && id.length > 0);
}

const ENDING_STATES = new Set(['stopping', 'stopped', 'shutting-down', 'terminated']);

/** When a Spot instance stopped running, from the events spotops recorded (undefined = still runs). */
async function runEnd(db: Db, instanceId: string): Promise<{ at: Date; why: string } | undefined> {
  const rows = await db.select().from(poolEvents).where(eq(poolEvents.instanceId, instanceId));
  let end: { at: Date; why: string } | undefined;
  for (const e of rows) {
    const state = (e.raw as { detail?: { state?: string } }).detail?.state;
    // An interruption warning gives two minutes; the state change that follows is the real end.
    const at = e.kind === 'interruption' ? new Date(e.at.getTime() + 2 * 60_000) : e.at;
    const ends =
      e.kind === 'interruption' || (e.kind === 'state-change' && state && ENDING_STATES.has(state));
    if (ends && (!end || at < end.at))
      end = { at, why: e.kind === 'interruption' ? 'interrupted' : `${state}` };
  }
  return end;
}

async function measureSpot(
  deps: MeasureDeps,
  exec: Execution,
  kind: string,
  now: Date,
): Promise<Measurement> {
  const params = (exec.params ?? {}) as { instanceType?: string };
  const base = { executionId: exec.id, kind, estimatedMonthlyUsd: exec.estimatedMonthlySavings ?? 0 };
  const ids = spotInstanceIds(exec.undo);
  const start = exec.finishedAt ?? now;
  const od = params.instanceType
    ? await onDemandPrice(
        { ...deps.prices, db: deps.db, clock: deps.clock },
        exec.region,
        params.instanceType,
      )
    : undefined;
  if (ids.length === 0 || !od || od.priceRegion !== exec.region) {
    return {
      ...base,
      method: 'not-run',
      hours: 0,
      savedUsd: 0,
      onDemandUsd: 0,
      monthlyRateUsd: 0,
      detail: {
        reason: ids.length === 0 ? 'no Spot instance recorded' : `no On-Demand price for ${exec.region}`,
      },
    };
  }
  let hours = 0;
  let saved = 0;
  let onDemandUsd = 0;
  let running = 0;
  const perInstance: Record<string, unknown>[] = [];
  for (const id of ids) {
    const [inv] = await deps.db
      .select()
      .from(instances)
      .where(and(eq(instances.accountId, exec.accountId), eq(instances.instanceId, id)));
    const az = inv?.availabilityZone;
    const type = inv?.instanceType ?? params.instanceType!;
    const ended = await runEnd(deps.db, id);
    // Seen running On-Demand: the Spot instance was replaced (or never was Spot): nothing saved.
    if (inv && inv.lifecycle !== 'spot') {
      perInstance.push({ instanceId: id, hours: 0, savedUsd: 0, note: 'runs On-Demand' });
      continue;
    }
    const end = ended?.at ?? now;
    const series = az
      ? await spotPriceSeries(
          deps.db,
          { region: exec.region, availabilityZone: az, instanceType: type, product: PRODUCT },
          start,
        )
      : [];
    const run = spotRunSavings({ start, end, onDemandPerHour: od.pricePerHour, series });
    hours += run.hours;
    saved += run.savedUsd;
    onDemandUsd += run.onDemandUsd;
    if (!ended) running++;
    perInstance.push({
      instanceId: id,
      az: az ?? null,
      hours: run.hours,
      unpricedHours: run.unpricedHours,
      savedUsd: run.savedUsd,
      ...(ended ? { ended: ended.why, endedAt: ended.at.toISOString() } : {}),
    });
  }
  saved = Math.round(saved * 100) / 100;
  // The run rate continues only while Spot instances still run.
  const rate = running > 0 && hours > 0 ? monthlyRate(saved, hours) * (running / ids.length) : 0;
  return {
    ...base,
    method: 'spot-price-series',
    hours,
    savedUsd: saved,
    onDemandUsd,
    monthlyRateUsd: Math.round(rate * 100) / 100,
    detail: { onDemandPerHour: od.pricePerHour, onDemandSource: od.source, instances: perInstance },
  };
}

async function measureGone(
  deps: MeasureDeps,
  exec: Execution,
  kind: string,
  now: Date,
): Promise<Measurement> {
  const estimated = exec.estimatedMonthlySavings ?? 0;
  const base = { executionId: exec.id, kind, estimatedMonthlyUsd: estimated, onDemandUsd: 0 };
  const [rec] = exec.recommendationId
    ? await deps.db.select().from(recommendations).where(eq(recommendations.id, exec.recommendationId))
    : [];
  const start = exec.finishedAt ?? now;
  // A complete scan that saw the resource again after the execution: it is back (or never left).
  const [again] = rec
    ? await deps.db
        .select()
        .from(resourceSightings)
        .where(
          and(
            eq(resourceSightings.accountId, exec.accountId),
            eq(resourceSightings.resourceId, rec.resourceId),
            gte(resourceSightings.lastSeenAt, new Date(start.getTime() + 1)),
          ),
        )
        .limit(1)
    : [];
  if (again) {
    return {
      ...base,
      method: 'reappeared',
      hours: 0,
      savedUsd: 0,
      monthlyRateUsd: 0,
      detail: { resourceId: rec?.resourceId, seenAt: again.lastSeenAt.toISOString() },
    };
  }
  const hours = Math.max(0, (now.getTime() - start.getTime()) / HOUR);
  const saved = Math.round(((estimated * hours) / HOURS_PER_MONTH) * 100) / 100;
  return {
    ...base,
    method: 'still-gone',
    hours,
    savedUsd: saved,
    monthlyRateUsd: estimated,
    detail: { resourceId: rec?.resourceId ?? null, listPriceMonthlyUsd: estimated },
  };
}

/** Measures one execution as of now. Undefined for executors with nothing measurable. */
export async function measureExecution(
  deps: MeasureDeps,
  exec: Execution,
  kind: string,
): Promise<Measurement | undefined> {
  const now = deps.clock.now();
  const spot = (SPOT_EXECUTORS as readonly string[]).includes(exec.executor);
  const gone = (GONE_EXECUTORS as readonly string[]).includes(exec.executor);
  if (!spot && !gone) return undefined;
  if (exec.dryRun) return undefined;
  if (exec.status !== 'succeeded') {
    // Rolled back, failed or compensated: what the card estimated did not happen.
    return {
      executionId: exec.id,
      kind,
      method: 'rolled-back',
      hours: 0,
      savedUsd: 0,
      onDemandUsd: 0,
      monthlyRateUsd: 0,
      estimatedMonthlyUsd: exec.estimatedMonthlySavings ?? 0,
      detail: { status: exec.status },
    };
  }
  return spot ? measureSpot(deps, exec, kind, now) : measureGone(deps, exec, kind, now);
}

async function store(db: Db, m: Measurement, at: Date): Promise<void> {
  const row = { ...m, measuredAt: at };
  await db
    .insert(measuredSavings)
    .values(row)
    .onConflictDoUpdate({ target: measuredSavings.executionId, set: row });
}

/** The daily job: every live execution of the last MEASURE_DAYS days, measured again and stored. */
export async function measureRecentExecutions(deps: MeasureDeps): Promise<Measurement[]> {
  const now = deps.clock.now();
  const rows = await deps.db
    .select({ exec: executions, kind: recommendations.kind })
    .from(executions)
    .leftJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .where(
      and(
        eq(executions.dryRun, false),
        isNotNull(executions.finishedAt),
        inArray(executions.status, ['succeeded', 'rolled_back', 'failed']),
        gte(executions.finishedAt, new Date(now.getTime() - MEASURE_DAYS * DAY)),
      ),
    );
  const out: Measurement[] = [];
  for (const { exec, kind } of rows) {
    const m = await measureExecution(deps, exec, kind ?? exec.executor);
    if (!m) continue;
    await store(deps.db, m, now);
    out.push(m);
  }
  return out;
}

export interface MeasuredRow {
  kind: string;
  executions: number;
  estimatedMonthlyUsd: number;
  /** Monthly run rate of what is still saving, as measured. */
  measuredMonthlyUsd: number;
  /** Saved so far, to the cent. */
  savedUsd: number;
  /** measured / estimated (null when nothing was estimated). */
  ratio: number | null;
}

/** Estimate vs measured per kind, for executions finished since `since`. */
export async function measuredSavingsByKind(db: Db, since?: Date): Promise<MeasuredRow[]> {
  const rows = await db
    .select({ m: measuredSavings })
    .from(measuredSavings)
    .innerJoin(executions, eq(executions.id, measuredSavings.executionId))
    .where(since ? gte(executions.finishedAt, since) : undefined);
  const out = new Map<string, MeasuredRow>();
  for (const { m } of rows) {
    const r = out.get(m.kind) ?? {
      kind: m.kind,
      executions: 0,
      estimatedMonthlyUsd: 0,
      measuredMonthlyUsd: 0,
      savedUsd: 0,
      ratio: null,
    };
    r.executions++;
    r.estimatedMonthlyUsd += m.estimatedMonthlyUsd;
    r.measuredMonthlyUsd += m.monthlyRateUsd;
    r.savedUsd += m.savedUsd;
    out.set(m.kind, r);
  }
  return [...out.values()]
    .map((r) => ({
      ...r,
      savedUsd: Math.round(r.savedUsd * 100) / 100,
      measuredMonthlyUsd: Math.round(r.measuredMonthlyUsd * 100) / 100,
      ratio: realisationRatio(r.measuredMonthlyUsd, r.estimatedMonthlyUsd),
    }))
    .sort((a, b) => b.measuredMonthlyUsd - a.measuredMonthlyUsd);
}

/** One line for an execution's thread: estimate vs measured, with the ratio. */
export function measurementLine(m: Measurement): string {
  const ratio = realisationRatio(m.monthlyRateUsd, m.estimatedMonthlyUsd);
  const pct = ratio === null ? '' : ` (${Math.round(ratio * 100)}% of the estimate)`;
  if (m.method === 'rolled-back') return 'Measured savings: $0.00 (the change was rolled back)';
  if (m.method === 'not-run') return `Measured savings: $0.00 (${String(m.detail.reason ?? 'nothing ran')})`;
  return `Measured savings: $${m.savedUsd.toFixed(2)} over ${m.hours.toFixed(1)} h; now $${m.monthlyRateUsd.toFixed(2)}/month against $${m.estimatedMonthlyUsd.toFixed(2)}/month estimated${pct}`;
}
