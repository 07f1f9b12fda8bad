import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { priceGaps, spotPrices } from '../../src/db/schema.js';
import { HOUR } from '../../src/lib/clock.js';
import {
  cleanSeries,
  dedupe,
  detectGaps,
  type PricePoint,
  spotPriceSeries,
  storeSpotPrices,
} from '../../src/pricing/quality.js';
import { toPricePoint } from '../../src/pricing/spot.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const pool = {
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'm5.large',
  product: 'Linux/UNIX',
};
const pt = (hours: number, price: number, filled = false): PricePoint => ({
  ...pool,
  at: new Date(T0 + hours * HOUR),
  price,
  filled,
});
const hoursOf = (points: readonly PricePoint[]) => points.map((p) => (p.at.getTime() - T0) / HOUR);

describe('dedupe', () => {
  it('drops a repeated price but keeps a return to an earlier price', () => {
    const out = dedupe([pt(0, 0.04), pt(1, 0.04), pt(2, 0.05), pt(3, 0.04), pt(4, 0.04)]);
    expect(out.map((p) => p.price)).toEqual([0.04, 0.05, 0.04]);
    expect(hoursOf(out)).toEqual([0, 2, 3]);
  });

  it('compares the first point with the last stored one', () => {
    expect(dedupe([pt(5, 0.04), pt(6, 0.05)], pt(0, 0.04))).toEqual([pt(6, 0.05)]);
  });

  it('keeps filled points even when they repeat the price', () => {
    expect(dedupe([pt(0, 0.04), pt(3, 0.04, true), pt(6, 0.04, true)])).toHaveLength(3);
  });
});

describe('detectGaps', () => {
  const gapMs = 3 * HOUR;

  it('finds a silence longer than the window and carries the last price forward at the window cadence', () => {
    const { gaps, filled } = detectGaps([pt(0, 0.04), pt(1, 0.05), pt(10, 0.06)], { gapMs });
    expect(gaps).toEqual([{ ...pool, gapStart: pt(1, 0).at, gapEnd: pt(10, 0).at, filledPoints: 2 }]);
    // 10 h has a real point: the fill stops before it.
    expect(hoursOf(filled)).toEqual([4, 7]);
    expect(filled.every((p) => p.filled && p.price === 0.05)).toBe(true);
  });

  it('does not call a silence of exactly the window a gap', () => {
    expect(detectGaps([pt(0, 0.04), pt(3, 0.05)], { gapMs }).gaps).toEqual([]);
  });

  it('fills a trailing silence up to the end of the observed window', () => {
    const { gaps, filled } = detectGaps([pt(0, 0.04)], { gapMs, until: new Date(T0 + 9 * HOUR) });
    expect(hoursOf(filled)).toEqual([3, 6, 9]);
    expect(gaps[0]).toMatchObject({ gapStart: pt(0, 0).at, gapEnd: pt(9, 0).at, filledPoints: 3 });
  });

  it('measures the first gap from the last stored point', () => {
    const { gaps } = detectGaps([pt(10, 0.05)], { gapMs }, pt(0, 0.04));
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.gapStart).toEqual(pt(0, 0).at);
  });
});

describe('cleanSeries', () => {
  it('treats a repeated price as proof the feed was alive, then drops it', () => {
    const out = cleanSeries([pt(0, 0.04), pt(2, 0.04), pt(4, 0.04), pt(5, 0.05)], { gapMs: 3 * HOUR });
    expect(out.gaps).toEqual([]);
    expect(hoursOf(out.points)).toEqual([0, 5]);
    expect(out.duplicates).toBe(2);
  });

  it('sorts unordered input and removes a point repeated at the same instant', () => {
    const out = cleanSeries([pt(2, 0.05), pt(0, 0.04), pt(2, 0.05)], { gapMs: 3 * HOUR });
    expect(hoursOf(out.points)).toEqual([0, 2]);
  });

  it('refuses points of more than one pool', () => {
    expect(() =>
      cleanSeries([pt(0, 1), { ...pt(1, 1), availabilityZone: 'us-east-1b' }], { gapMs: HOUR }),
    ).toThrow(/one pool/);
  });
});

describe('storeSpotPrices', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(() => t.destroy());

  it('stores observed and filled points and records each gap once across re-runs', async () => {
    const opts = { gapMs: 3 * HOUR, until: new Date(T0 + 12 * HOUR) };
    const input = [pt(0, 0.04), pt(1, 0.04), pt(8, 0.05)];
    const first = await storeSpotPrices(t.db, input, opts);
    expect(first).toMatchObject({ observed: 2, filled: 3, duplicates: 1 });
    await storeSpotPrices(t.db, input, opts);

    const rows = await t.db.select().from(spotPrices).orderBy(spotPrices.at);
    expect(rows.map((r) => [(r.at.getTime() - T0) / HOUR, r.price, r.filled])).toEqual([
      [0, 0.04, false],
      [4, 0.04, true],
      [7, 0.04, true],
      [8, 0.05, false],
      [11, 0.05, true],
    ]);
    const gaps = await t.db.select().from(priceGaps).orderBy(priceGaps.gapStart);
    expect(
      gaps.map((g) => [(g.gapStart.getTime() - T0) / HOUR, (g.gapEnd.getTime() - T0) / HOUR, g.filledPoints]),
    ).toEqual([
      [1, 8, 2],
      [8, 12, 1],
    ]);
  });

  it('replaces guesses with a later observation and extends the open gap instead of adding one', async () => {
    await storeSpotPrices(t.db, [pt(0, 0.04)], { gapMs: 3 * HOUR, until: new Date(T0 + 7 * HOUR) });
    await storeSpotPrices(t.db, [pt(5, 0.06)], { gapMs: 3 * HOUR, until: new Date(T0 + 9 * HOUR) });
    const rows = await t.db.select().from(spotPrices).orderBy(spotPrices.at);
    expect(rows.map((r) => [(r.at.getTime() - T0) / HOUR, r.price, r.filled])).toEqual([
      [0, 0.04, false],
      [3, 0.04, true],
      [5, 0.06, false],
      [8, 0.06, true],
    ]);
    const gaps = await t.db.select().from(priceGaps).orderBy(priceGaps.gapStart);
    expect(gaps.map((g) => [(g.gapStart.getTime() - T0) / HOUR, (g.gapEnd.getTime() - T0) / HOUR])).toEqual([
      [0, 5],
      [5, 9],
    ]);
  });

  it('keeps 159 of the 250 real m5.large price changes (91 repeats) and reads a series back in order', async () => {
    const raw = JSON.parse(
      readFileSync(
        new URL(
          '../fixtures/pricing/ec2-DescribeSpotPriceHistory.m5.large.us-east-1.2021-01.json',
          import.meta.url,
        ),
        'utf8',
      ),
    );
    const points = raw.SpotPriceHistory.map((r: never) => toPricePoint('us-east-1', r)!);
    const result = await storeSpotPrices(t.db, points, { gapMs: 360 * 60_000 });
    expect(result.observed + result.duplicates).toBe(250);
    expect(result.duplicates).toBe(91);
    expect(result.filled).toBeGreaterThan(0);

    const series = await spotPriceSeries(
      t.db,
      { ...pool, availabilityZone: 'us-east-1f' },
      new Date('2021-02-01T00:00:00Z'),
    );
    expect(series[0]!.at.getTime()).toBeLessThan(Date.parse('2021-02-01T00:00:00Z')); // the price in effect
    expect(series.at(-1)).toMatchObject({
      price: 0.0437,
      filled: false,
      at: new Date('2021-02-09T01:40:10Z'),
    });
    for (let i = 1; i < series.length; i++) expect(series[i]!.at > series[i - 1]!.at).toBe(true);
    const prices = series.filter((p) => !p.filled).map((p) => p.price);
    expect(Math.min(...prices)).toBeGreaterThanOrEqual(0.0367);
    expect(Math.max(...prices)).toBeLessThanOrEqual(0.0437);
  });
});
