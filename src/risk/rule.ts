// The rule-based evaluator: what decides when no model can load, and while the bot has no
// labelled history of its own (the model card says which). A 7-day interruption probability
// from the Spot Advisor band (the band's monthly rate over 7 days), raised when AWS's placement
// score says capacity is short and when the pool was interrupted this week.
import { BAND_MONTHLY_RATE } from './advisor.js';
import type { PoolSnapshot } from './features.js';

export const RULE_NAME = 'Advisor band + placement score rule';

const HORIZON_OVER_MONTH = (7 * 24) / 730;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Multiplier from GetSpotPlacementScores (1..10): low scores mean AWS expects little capacity. */
export function placementFactor(score: number | null | undefined): number {
  if (score === null || score === undefined || score < 1) return 1; // missing: no opinion
  if (score <= 3) return 3;
  if (score <= 6) return 1.5;
  return 0.7;
}

export function ruleProbability(s: PoolSnapshot): number {
  const monthly = BAND_MONTHLY_RATE[clamp(Math.round(s.advisorBand), 0, 4)]!;
  const base = 1 - (1 - monthly) ** HORIZON_OVER_MONTH;
  const recent = 1 + Math.min(s.interruptions7d, 5);
  return clamp(base * placementFactor(s.placementScore) * recent, 0, 0.99);
}
