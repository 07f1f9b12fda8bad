// Spot Instance Advisor bands (AWS's monthly interruption-frequency ranges per region + instance
// type) from the snapshot shipped in data/ (Linux only). The snapshot is an offline fallback and
// a training input; it is stale by nature (see data/SOURCES.md).
import { readFileSync } from 'node:fs';
import { riskAssetPath } from './assets.js';

/** AWS's band labels, by band index. */
export const BAND_LABELS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;

/** AWS's upper bounds per band in % (the feed's `ranges[].max`); a rate below max[i] is band <= i. */
export const BAND_MAX_PERCENT = [5, 11, 16, 22, 100] as const;

/**
 * A representative monthly interruption rate per band (mid-band; 25% for the open `>20%` band),
 * used to turn a band into an hourly hazard when simulating training labels.
 */
export const BAND_MONTHLY_RATE = [0.025, 0.075, 0.125, 0.175, 0.25] as const;

export const ADVISOR_SNAPSHOT_FILE = 'data/spot-advisor-linux.json';

/** Compact snapshot: one band character and one savings number per (region, type). */
export interface AdvisorSnapshot {
  source: string;
  os: string;
  ranges: string[];
  /** Sorted instance types; the column order of `bands` and `savings`. */
  types: string[];
  /** Per region: one character per type, '0'..'4' = band index, '.' = not listed. */
  bands: Record<string, string>;
  /** Per region: savings vs On-Demand in % per type (null = not listed). */
  savings: Record<string, (number | null)[]>;
}

/** The feed as AWS publishes it (spot-advisor-data.json), the parts used here. */
export interface AdvisorFeed {
  ranges: { index: number; label: string; max: number }[];
  spot_advisor: Record<string, Record<string, Record<string, { s: number; r: number }>>>;
}

export function bandLabel(band: number): string {
  const label = BAND_LABELS[band];
  if (label === undefined) throw new Error(`no Spot Advisor band ${band} (expected 0..4)`);
  return label;
}

/** The band of a monthly interruption rate in percent, by AWS's bounds (4.9 -> 0, 5 -> 1, 21 -> 3). */
export function bandForRate(percent: number): number {
  const i = BAND_MAX_PERCENT.findIndex((max) => percent < max);
  return i === -1 ? BAND_MAX_PERCENT.length - 1 : i;
}

/** Reduces the published feed to the compact snapshot for one OS. */
export function compactAdvisorFeed(feed: AdvisorFeed, os = 'Linux', source = ''): AdvisorSnapshot {
  const regions = Object.keys(feed.spot_advisor).sort();
  const typeSet = new Set<string>();
  for (const region of regions) {
    for (const type of Object.keys(feed.spot_advisor[region]?.[os] ?? {})) typeSet.add(type);
  }
  const types = [...typeSet].sort();
  const bands: Record<string, string> = {};
  const savings: Record<string, (number | null)[]> = {};
  for (const region of regions) {
    const entries = feed.spot_advisor[region]?.[os];
    if (!entries || Object.keys(entries).length === 0) continue;
    bands[region] = types.map((t) => (entries[t] ? String(entries[t].r) : '.')).join('');
    savings[region] = types.map((t) => entries[t]?.s ?? null);
  }
  const ranges = [...feed.ranges].sort((a, b) => a.index - b.index).map((r) => r.label);
  return { source, os, ranges, types, bands, savings };
}

/** Lookups over one snapshot. */
export class SpotAdvisor {
  readonly #typeIndex: Map<string, number>;
  constructor(readonly snapshot: AdvisorSnapshot) {
    this.#typeIndex = new Map(snapshot.types.map((t, i) => [t, i]));
  }

  band(region: string, instanceType: string): number | undefined {
    const i = this.#typeIndex.get(instanceType);
    const c = i === undefined ? undefined : this.snapshot.bands[region]?.[i];
    return c === undefined || c === '.' ? undefined : Number(c);
  }

  savingsPercent(region: string, instanceType: string): number | undefined {
    const i = this.#typeIndex.get(instanceType);
    return i === undefined ? undefined : (this.snapshot.savings[region]?.[i] ?? undefined);
  }

  /** Every listed (region, type) pair, in a stable order (regions, then types, sorted). */
  *entries(): Generator<{ region: string; instanceType: string; band: number; savingsPercent: number }> {
    for (const region of Object.keys(this.snapshot.bands).sort()) {
      const bands = this.snapshot.bands[region]!;
      const savings = this.snapshot.savings[region]!;
      for (let i = 0; i < this.snapshot.types.length; i++) {
        const c = bands[i];
        if (c === undefined || c === '.') continue;
        yield {
          region,
          instanceType: this.snapshot.types[i]!,
          band: Number(c),
          savingsPercent: savings[i] ?? 0,
        };
      }
    }
  }
}

let shipped: SpotAdvisor | undefined;

/** The snapshot committed under src/risk/data (loaded once). */
export function shippedAdvisor(): SpotAdvisor {
  if (!shipped) {
    const path = riskAssetPath(ADVISOR_SNAPSHOT_FILE);
    try {
      shipped = new SpotAdvisor(JSON.parse(readFileSync(path, 'utf8')) as AdvisorSnapshot);
    } catch (cause) {
      throw new Error(`loading the Spot Advisor snapshot ${path}`, { cause });
    }
  }
  return shipped;
}

/** Spot Advisor band for a Linux pool in the shipped snapshot; undefined when not listed. */
export function advisorBand(region: string, instanceType: string): number | undefined {
  return shippedAdvisor().band(region, instanceType);
}

/** Spot Advisor savings vs On-Demand (%) in the shipped snapshot; undefined when not listed. */
export function advisorSavings(region: string, instanceType: string): number | undefined {
  return shippedAdvisor().savingsPercent(region, instanceType);
}
