// Risk assessment of Spot pools: a score -> level, with up to three reasons in plain words.
// Whoever decides (the model, or the Advisor band + placement score rule while there is no
// labelled history or no model loads) is named on every assessment; the model's own score is
// kept beside the rule's. Reasons come from asking the deciding scorer "what if this factor
// were calm?" (the score drop when one factor is reset), so they name what moved the score.
import { advisorBand, bandLabel } from './advisor.js';
import { featureMatrix, type PoolSnapshot } from './features.js';
import { type RiskBand, type RiskEngine, type RiskModel, riskLevelOf } from './model/inference.js';
import { RULE_NAME, ruleProbability } from './rule.js';

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
  /** The deciding score (a 7-day interruption probability). */
  score: number;
  level: RiskBand;
  /** What computed the deciding score. */
  engine: RiskEngine | 'rule';
  /** The model's version, or 'none' when no model loaded. */
  modelVersion: string;
  /** The model's own score, also when the rule decided (null when no model loaded). */
  modelScore: number | null;
  reasons: string[];
}

export interface AssessOptions {
  /** Absent when no model could load: the rule answers. */
  model?: RiskModel;
  /** Use the TypeScript evaluator (the registry's `fallback`). */
  fallback?: boolean;
  /** Who decides the level (default: the model when there is one). */
  decide?: 'model' | 'rule';
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
    calm: (s) =>
      s.placementScore != null && s.placementScore >= 1 && s.placementScore < 7
        ? { ...s, placementScore: 9 }
        : undefined,
    say: (s, p) => `AWS placement score ${s.placementScore}/10 for ${p.instanceType} in this AZ`,
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

const ruleScores = (snapshots: readonly PoolSnapshot[]) => Float32Array.from(snapshots.map(ruleProbability));

export async function assessPools(
  pools: readonly PoolToAssess[],
  options: AssessOptions,
): Promise<PoolAssessment[]> {
  const { model } = options;
  const decide = model ? (options.decide ?? 'model') : 'rule';
  const snapshots: PoolSnapshot[] = pools.map((p) => ({
    ...p,
    advisorBand: p.advisorBand ?? advisorBand(p.region, p.instanceType) ?? UNKNOWN_BAND,
  }));
  const modelResult = model
    ? await model.score(featureMatrix(snapshots), snapshots.length, { fallback: options.fallback })
    : undefined;
  const scores = decide === 'model' && modelResult ? modelResult.scores : ruleScores(snapshots);
  const engine: PoolAssessment['engine'] = decide === 'model' && modelResult ? modelResult.engine : 'rule';

  // What-if rows for the reasons, scored by the deciding scorer (TS trees or the rule).
  const scoreSync = (rows: PoolSnapshot[]) =>
    decide === 'model' && model ? model.scoreTypescript(featureMatrix(rows), rows.length) : ruleScores(rows);
  const variants: { pool: number; factor: number; snapshot: PoolSnapshot }[] = [];
  snapshots.forEach((s, pool) => {
    FACTORS.forEach((f, factor) => {
      const calm = f.calm(s);
      if (calm) variants.push({ pool, factor, snapshot: calm });
    });
  });
  const variantScores = scoreSync(variants.map((v) => v.snapshot));
  const baseScores = scoreSync(snapshots);
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
    if (s.placementScore == null) reasons.push('placement score not available (left out, not assumed)');
    return {
      score,
      level: pool.poisoned ? 'HIGH' : riskLevelOf(score),
      engine,
      modelVersion: model?.version ?? 'none',
      modelScore: modelResult ? modelResult.scores[i]! : null,
      reasons: [...new Set(reasons)].slice(0, MAX_REASONS),
    };
  });
}

/** Who answered, in words for the card: "model 2.0.0 (ONNX)", "Advisor band + placement score rule (...)". */
export function evaluatorLabel(
  a: Pick<PoolAssessment, 'engine' | 'modelVersion' | 'modelScore'>,
  why?: string,
): string {
  if (a.engine === 'rule') {
    const beside =
      a.modelScore !== null ? `; model ${a.modelVersion} says ${Math.round(a.modelScore * 1000) / 10}%` : '';
    return `${RULE_NAME}${why ? ` (${why})` : ''}${beside}`;
  }
  return `model ${a.modelVersion} (${a.engine === 'onnxruntime' ? 'ONNX' : 'TypeScript trees'})${why ? `, ${why}` : ''}`;
}
