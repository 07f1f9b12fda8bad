// The Spot price data-quality pipeline: pure functions over a pool's points (sort, dedupe, gap detection
// and carry-forward fill) and the one writer that stores their result in `spot_prices` / `price_gaps`.
// A Spot price point is a price *change*: the price holds until the next point of the same pool.
import { and, asc, desc, eq, gt, gte, lt, lte } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { priceGaps, spotPrices } from '../db/schema.js';

/** One Spot market: region + AZ + instance type + product description. */
export interface SpotPool {
  region: string;
  availabilityZone: string;
  instanceType: string;
  product: string;
}

export interface PricePoint extends SpotPool {
  at: Date;
  price: number;
  /** True when the point was carried forward over a gap, not observed. */
  filled: boolean;
}

export interface PriceGap extends SpotPool {
  gapStart: Date;
  gapEnd: Date;
  filledPoints: number;
}

export const poolKey = (p: SpotPool): string =>
  `${p.region}|${p.availabilityZone}|${p.instanceType}|${p.product}`;

/** Groups points by pool, each group sorted by time with exact repeats (same instant) removed. */
export function groupByPool(points: readonly PricePoint[]): Map<string, PricePoint[]> {
  const groups = new Map<string, PricePoint[]>();
  for (const p of points) {
    const key = poolKey(p);
    const list = groups.get(key);
    if (list) list.push(p);
    else groups.set(key, [p]);
  }
  for (const [key, list] of groups) {
    list.sort((a, b) => a.at.getTime() - b.at.getTime());
    // Same instant twice (overlapping fetch pages): keep the last answer.
    groups.set(
      key,
      list.filter((p, i) => i === list.length - 1 || list[i + 1]!.at.getTime() !== p.at.getTime()),
    );
  }
  return groups;
}

/**
 * Drops observed points whose price equals the previous point's (same pool): they carry no change. Filled
 * points are kept (they mark where data was missing). `previous` is the pool's last stored point, if any.
 */
export function dedupe(series: readonly PricePoint[], previous?: PricePoint): PricePoint[] {
  const out: PricePoint[] = [];
  let last = previous;
  for (const p of series) {
    if (!p.filled && last && last.price === p.price) continue;
    out.push(p);
    last = p;
  }
  return out;
}

export interface GapOptions {
  /** No point for longer than this is a gap (config.PRICE_GAP_MINUTES). */
  gapMs: number;
  /** The end of the observed window: a pool silent from its last point to here is a trailing gap. */
  until?: Date;
}

/**
 * Gaps in one pool's sorted series (with `previous`, the stored point before it, as the left edge), each
 * filled by carrying the last price forward every `gapMs`. Returns the gaps and the filled points.
 */
export function detectGaps(
  series: readonly PricePoint[],
  opts: GapOptions,
  previous?: PricePoint,
): { gaps: PriceGap[]; filled: PricePoint[] } {
  const gaps: PriceGap[] = [];
  const filled: PricePoint[] = [];
  // A real next point closes the gap (fill strictly before it); the open end `until` may get a point itself.
  const fillAfter = (last: PricePoint, end: Date, closed: boolean) => {
    const from = last.at.getTime();
    const to = end.getTime();
    if (to - from <= opts.gapMs) return;
    let n = 0;
    for (let t = from + opts.gapMs; closed ? t < to : t <= to; t += opts.gapMs) {
      filled.push({ ...last, at: new Date(t), filled: true });
      n++;
    }
    gaps.push({
      region: last.region,
      availabilityZone: last.availabilityZone,
      instanceType: last.instanceType,
      product: last.product,
      gapStart: last.at,
      gapEnd: end,
      filledPoints: n,
    });
  };
  let last = previous ?? series[0];
  if (!last) return { gaps, filled };
  for (const p of series) {
    if (p !== last) fillAfter(last, p.at, true);
    last = p;
  }
  if (opts.until) fillAfter(last, opts.until, false);
  return { gaps, filled };
}

export interface CleanResult {
  /** Observed points that survived dedupe plus filled points, sorted. */
  points: PricePoint[];
  gaps: PriceGap[];
  /** Observed points dropped as repeats. */
  duplicates: number;
}

/** The whole pipeline for one pool's points: sort, detect + fill gaps on what was observed, then dedupe. */
export function cleanSeries(
  points: readonly PricePoint[],
  opts: GapOptions,
  previous?: PricePoint,
): CleanResult {
  const groups = groupByPool(points);
  if (groups.size > 1) throw new Error(`cleanSeries takes one pool's points, got ${groups.size} pools`);
  const series = [...(groups.values().next().value ?? [])];
  // Gaps are judged on every observation (a repeated price still proves the feed was alive), then
  // repeats are dropped: the stored series is equivalent under "the price holds until the next point".
  const { gaps, filled } = detectGaps(series, opts, previous);
  const merged = [...series, ...filled].sort((a, b) => a.at.getTime() - b.at.getTime());
  const kept = dedupe(merged, previous);
  return { points: kept, gaps, duplicates: series.length - kept.filter((p) => !p.filled).length };
}

export interface StoreResult {
  observed: number;
  filled: number;
  duplicates: number;
  gaps: PriceGap[];
}

const poolWhere = (p: SpotPool) =>
  and(
    eq(spotPrices.region, p.region),
    eq(spotPrices.availabilityZone, p.availabilityZone),
    eq(spotPrices.instanceType, p.instanceType),
    eq(spotPrices.product, p.product),
  );

/**
 * Runs the pipeline per pool against what is already stored and writes the result: observed points
 * overwrite (a real observation beats a filled one at the same instant), filled points never overwrite,
 * stale filled points inside the new window are removed first, and each gap is recorded once (a trailing
 * gap that grows is extended, not duplicated).
 */
export async function storeSpotPrices(
  db: Db,
  points: readonly PricePoint[],
  opts: GapOptions,
): Promise<StoreResult> {
  const result: StoreResult = { observed: 0, filled: 0, duplicates: 0, gaps: [] };
  for (const series of groupByPool(points).values()) {
    const first = series[0]!;
    const [prev] = await db
      .select()
      .from(spotPrices)
      .where(and(poolWhere(first), eq(spotPrices.filled, false), lt(spotPrices.at, first.at)))
      .orderBy(desc(spotPrices.at))
      .limit(1);
    // The last *observed* point is the left edge: filled points after it are recomputed below.
    const previous = prev ?? undefined;
    const clean = cleanSeries(series, opts, previous);
    const windowEnd = opts.until ?? series[series.length - 1]!.at;
    await db.transaction(async (tx) => {
      // Filled points in the window were guesses made before these observations arrived.
      await tx
        .delete(spotPrices)
        .where(
          and(
            poolWhere(first),
            eq(spotPrices.filled, true),
            previous ? gt(spotPrices.at, previous.at) : gte(spotPrices.at, first.at),
            lte(spotPrices.at, windowEnd),
          ),
        );
      const row = (p: PricePoint) => ({
        region: p.region,
        availabilityZone: p.availabilityZone,
        instanceType: p.instanceType,
        product: p.product,
        at: p.at,
        price: p.price,
        filled: p.filled,
      });
      for (const p of clean.points) {
        const insert = tx.insert(spotPrices).values(row(p));
        await (p.filled
          ? insert.onConflictDoNothing()
          : insert.onConflictDoUpdate({
              target: [
                spotPrices.region,
                spotPrices.availabilityZone,
                spotPrices.instanceType,
                spotPrices.product,
                spotPrices.at,
              ],
              set: { price: p.price, filled: false },
            }));
      }
      for (const gap of clean.gaps) {
        const gapPool = and(
          eq(priceGaps.region, gap.region),
          eq(priceGaps.availabilityZone, gap.availabilityZone),
          eq(priceGaps.instanceType, gap.instanceType),
          eq(priceGaps.product, gap.product),
          eq(priceGaps.gapStart, gap.gapStart),
        );
        const [known] = await tx.select().from(priceGaps).where(gapPool);
        if (!known) await tx.insert(priceGaps).values(gap);
        else if (known.gapEnd.getTime() !== gap.gapEnd.getTime()) {
          await tx
            .update(priceGaps)
            .set({ gapEnd: gap.gapEnd, filledPoints: gap.filledPoints })
            .where(eq(priceGaps.id, known.id));
        }
      }
    });
    result.observed += clean.points.filter((p) => !p.filled).length;
    result.filled += clean.points.filter((p) => p.filled).length;
    result.duplicates += clean.duplicates;
    result.gaps.push(...clean.gaps);
  }
  return result;
}

/** A pool's stored series from `since` (with the point in effect at `since` first), oldest first. */
export async function spotPriceSeries(db: Db, pool: SpotPool, since: Date): Promise<PricePoint[]> {
  const [inEffect] = await db
    .select()
    .from(spotPrices)
    .where(and(poolWhere(pool), lt(spotPrices.at, since)))
    .orderBy(desc(spotPrices.at))
    .limit(1);
  const rows = await db
    .select()
    .from(spotPrices)
    .where(and(poolWhere(pool), gte(spotPrices.at, since)))
    .orderBy(asc(spotPrices.at));
  return [...(inEffect ? [inEffect] : []), ...rows];
}

/** The latest stored point of each AZ for a region + type + product (the fallback when EC2 cannot answer). */
export async function latestStoredPrices(
  db: Db,
  region: string,
  instanceType: string,
  product: string,
): Promise<PricePoint[]> {
  const rows = await db
    .select()
    .from(spotPrices)
    .where(
      and(
        eq(spotPrices.region, region),
        eq(spotPrices.instanceType, instanceType),
        eq(spotPrices.product, product),
        gt(spotPrices.price, 0),
      ),
    )
    .orderBy(asc(spotPrices.availabilityZone), desc(spotPrices.at));
  const latest = new Map<string, PricePoint>();
  for (const r of rows) if (!latest.has(r.availabilityZone)) latest.set(r.availabilityZone, r);
  return [...latest.values()];
}
