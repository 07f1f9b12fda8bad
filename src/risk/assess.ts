// Risk assessment of Spot pools: model score -> level, with up to three reasons in plain words.
// Reasons come from asking the same trees "what if this factor were calm?" (the score drop
// when one factor is reset), so they name what actually moved this pool's score.
import { advisorBand, bandLabel } from './advisor.js';
import { featureMatrix, type PoolSnapshot } from './features.js';
import { type RiskBand, type RiskEngine, type RiskModel, riskLevelOf } from './model/inference.js';

/** Band assumed when the Spot Advisor does not list the pool (the middle one, 10-15%). */
export const UNKNOWN_BAND = 2;

export interface PoolToAssess extends Omit<PoolSnapshot, 'advisorBand'> {
  region: string;
  availabilityZone?: string;
  instanceType: string;
  /** Defaults to the shipped Spot Advisor snapshot's band for region + type. */
  advisorBand?: number;
  /** The pool is poisoned (an interruption was seen there recently): HIGH whatever the score. */
  poisoned: boolean;
  poisonExpiresAt?: Date | null;
}

export interface PoolAssessment {
  score: number;
  level: RiskBand;
  engine: RiskEngine;
  modelVersion: string;
  reasons: string[];
}

export interface AssessOptions {
  model: RiskModel;
  /** Use the TypeScript evaluator (the registry's `fallback`). */
  fallback?: boolean;
}

const MAX_REASONS = 3;
/** A factor is named when it moves the score by this much, or by a quarter of a small score. */
const MIN_CONTRIBUTION = 0.002;
const MIN_SHARE_OF_SCORE = 0.25;

interface Factor {
  calm(s: PoolSnapshot): PoolSnapshot | undefined;
  say(s: PoolSnapshot, pool: PoolToAssess): string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const percent = (v: number) => `${Math.round(v * 100)}%`;

const FACTORS: Factor[] = [
  {
    calm: (s) => (s.advisorBand > 0 ? { ...s, advisorBand: 0 } : undefined),
    say: (s, p) =>
      `Spot Advisor: ${bandLabel(s.advisorBand)} interruptions a month for ${p.instanceType} in ${p.region}`,
  },
  {
    calm: (s) =>
      s.interruptions7d > 0
        ? { ...s, interruptions7d: 0, interruptions30d: s.interruptions30d - s.interruptions7d }
        : undefined,
    say: (s) => `${plural(s.interruptions7d, 'interruption')} in this pool in 7 days`,
  },
  {
    calm: (s) =>
      s.interruptions30d > s.interruptions7d ? { ...s, interruptions30d: s.interruptions7d } : undefined,
    say: (s) => `${plural(s.interruptions30d, 'interruption')} in this pool in 30 days`,
  },
  {
    calm: (s) => (s.rebalances7d > 0 ? { ...s, rebalances7d: 0 } : undefined),
    say: (s) => `${plural(s.rebalances7d, 'rebalance recommendation')} in this pool in 7 days`,
  },
  {
    // Calm = a typical Spot discount (40% of On-Demand).
    calm: (s) =>
      s.spotPrice > 0.4 * s.onDemandPrice ? { ...s, spotPrice: 0.4 * s.onDemandPrice } : undefined,
    say: (s) => `Spot price is ${percent(s.spotPrice / s.onDemandPrice)} of On-Demand`,
  },
  {
    calm: (s) => (s.priceTrend24h !== 0 ? { ...s, priceTrend24h: 0 } : undefined),
    say: (s) =>
      `Spot price ${s.priceTrend24h >= 0 ? 'rose' : 'fell'} ${percent(Math.abs(s.priceTrend24h))} in 24 h`,
  },
  {
    calm: (s) => (s.priceVolatility7d > 0 ? { ...s, priceVolatility7d: 0 } : undefined),
    say: (s) => `Spot price varied by ${percent(s.priceVolatility7d)} over 7 days`,
  },
];

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export async function assessPools(
  pools: readonly PoolToAssess[],
  options: AssessOptions,
): Promise<PoolAssessment[]> {
  const { model } = options;
  const snapshots: PoolSnapshot[] = pools.map((p) => ({
    ...p,
    advisorBand: p.advisorBand ?? advisorBand(p.region, p.instanceType) ?? UNKNOWN_BAND,
  }));
  const { scores, engine } = await model.score(featureMatrix(snapshots), snapshots.length, {
    fallback: options.fallback,
  });

  // What-if rows for the reasons, scored by the TS evaluator (same trees, no async round trip).
  const variants: { pool: number; factor: number; snapshot: PoolSnapshot }[] = [];
  snapshots.forEach((s, pool) => {
    FACTORS.forEach((f, factor) => {
      const calm = f.calm(s);
      if (calm) variants.push({ pool, factor, snapshot: calm });
    });
  });
  const variantScores = model.scoreTypescript(
    featureMatrix(variants.map((v) => v.snapshot)),
    variants.length,
  );
  const baseScores = model.scoreTypescript(featureMatrix(snapshots), snapshots.length);
  const contributions = snapshots.map(() => [] as { factor: number; drop: number }[]);
  variants.forEach((v, i) => {
    contributions[v.pool]!.push({ factor: v.factor, drop: baseScores[v.pool]! - variantScores[i]! });
  });

  return pools.map((pool, i) => {
    const s = snapshots[i]!;
    const score = scores[i]!;
    const reasons: string[] = [];
    if (pool.poisoned) {
      reasons.push(
        pool.poisonExpiresAt ? `pool is poisoned until ${utc(pool.poisonExpiresAt)}` : 'pool is poisoned',
      );
    }
    if (pool.advisorBand === undefined && advisorBand(pool.region, pool.instanceType) === undefined) {
      reasons.push(
        `no Spot Advisor data for ${pool.instanceType} in ${pool.region} (assumed ${bandLabel(UNKNOWN_BAND)})`,
      );
    }
    const floor = Math.min(MIN_CONTRIBUTION, MIN_SHARE_OF_SCORE * baseScores[i]!);
    const ranked = contributions[i]!.filter((c) => c.drop > 0 && c.drop >= floor).sort(
      (a, b) => b.drop - a.drop || a.factor - b.factor,
    );
    for (const c of ranked) reasons.push(FACTORS[c.factor]!.say(s, pool));
    if (reasons.length === 0) reasons.push(FACTORS[0]!.say(s, pool));
    return {
      score,
      level: pool.poisoned ? 'HIGH' : riskLevelOf(score),
      engine,
      modelVersion: model.version,
      reasons: [...new Set(reasons)].slice(0, MAX_REASONS),
    };
  });
}
