// Model vs baselines on one labelled dataset: PR-AUC, positive-class F1, Brier score, and a
// reliability table. Every scorer is turned into a probability and given its F1 threshold on the
// same calibration split (the training generator's), then measured on data it did not see: the
// training generator's held-out rows, the independent shock world, or the bot's own history.
import { FEATURE_COUNT } from '../features.js';
import { ruleProbability } from '../rule.js';
import {
  averagePrecision,
  bestPositiveF1Threshold,
  brierScore,
  bucketCalibration,
  positiveF1,
  type ReliabilityBin,
  reliabilityTable,
} from './metrics.js';
import { snapshotFromRow } from './simulate.js';

export interface LabelledRows {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
  /** The generator's own probability (simulations only): the ceiling any scorer can reach. */
  truth?: Float64Array;
}

export type ScorerName = 'model' | 'advisorBand' | 'interruptions7dRule' | 'placementScoreRule' | 'rule';

export const SCORER_LABELS: Record<ScorerName | 'ceiling', string> = {
  model: 'this model (calibrated)',
  advisorBand: 'Spot Advisor band alone',
  interruptions7dRule: '7-day interruption count rule',
  placementScoreRule: 'placement score rule',
  rule: 'Advisor band + placement score rule (the fallback evaluator)',
  ceiling: "the generator's own probability (ceiling)",
};

export interface Scorer {
  name: ScorerName;
  probabilities(data: LabelledRows): Float64Array;
  /** Positive-class F1 threshold, chosen on the calibration split. */
  threshold: number;
}

export interface ScorerResult {
  name: ScorerName | 'ceiling';
  prAuc: number;
  positiveF1: number;
  brier: number;
  threshold: number | null;
}

export interface EvaluationTable {
  dataset: string;
  rows: number;
  positives: number;
  scorers: ScorerResult[];
  /** The calibrated model's reliability table. */
  reliability: ReliabilityBin[];
  /** Best scorer (ceiling excluded) by PR-AUC and by Brier score. */
  best: { prAuc: ScorerName; brier: ScorerName };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;
const column = (d: LabelledRows, f: number) =>
  Float64Array.from({ length: d.rows }, (_, i) => d.x[i * FEATURE_COUNT + f]!);
const map = (v: Float64Array, fn: (s: number) => number) => v.map(fn);

/** Raw score columns of the baselines (before calibration). */
const RAW: Record<Exclude<ScorerName, 'model' | 'rule'>, (d: LabelledRows) => Float64Array> = {
  advisorBand: (d) => column(d, 0),
  placementScoreRule: (d) => column(d, 4),
  interruptions7dRule: (d) => map(column(d, 5), (v) => Math.min(v, 5)),
};

/** Builds every scorer, calibrated and thresholded on `calibration`. */
export function buildScorers(
  calibration: LabelledRows,
  modelProbabilities: (data: LabelledRows) => Float64Array,
): Scorer[] {
  const withThreshold = (name: ScorerName, probabilities: (d: LabelledRows) => Float64Array): Scorer => ({
    name,
    probabilities,
    threshold: bestPositiveF1Threshold(probabilities(calibration), calibration.y),
  });
  const baselines = (Object.keys(RAW) as (keyof typeof RAW)[]).map((name) => {
    const calibrate = bucketCalibration(RAW[name](calibration), calibration.y);
    return withThreshold(name, (d) => map(RAW[name](d), calibrate));
  });
  const rule = withThreshold('rule', (d) =>
    Float64Array.from({ length: d.rows }, (_, i) => ruleProbability(snapshotFromRow(d.x, i))),
  );
  return [withThreshold('model', modelProbabilities), ...baselines, rule];
}

export function evaluateScorers(
  dataset: string,
  scorers: readonly Scorer[],
  data: LabelledRows,
): EvaluationTable {
  let positives = 0;
  for (const v of data.y) positives += v;
  const results: ScorerResult[] = [];
  let reliability: ReliabilityBin[] = [];
  for (const s of scorers) {
    const p = s.probabilities(data);
    if (s.name === 'model') reliability = reliabilityTable(p, data.y);
    results.push({
      name: s.name,
      prAuc: round(averagePrecision(p, data.y)),
      positiveF1: round(positiveF1(p, data.y, s.threshold)),
      brier: round(brierScore(p, data.y)),
      threshold: Number.isFinite(s.threshold) ? round(s.threshold) : null,
    });
  }
  if (data.truth) {
    const t = data.truth;
    results.push({
      name: 'ceiling',
      prAuc: round(averagePrecision(t, data.y)),
      positiveF1: round(positiveF1(t, data.y, bestPositiveF1Threshold(t, data.y))),
      brier: round(brierScore(t, data.y)),
      threshold: null,
    });
  }
  const real = results.filter((r): r is ScorerResult & { name: ScorerName } => r.name !== 'ceiling');
  const best = {
    prAuc: [...real].sort((a, b) => b.prAuc - a.prAuc)[0]!.name,
    brier: [...real].sort((a, b) => a.brier - b.brier)[0]!.name,
  };
  return {
    dataset,
    rows: data.rows,
    positives,
    scorers: results,
    reliability: reliability.map((b) => ({
      ...b,
      meanPredicted: round(b.meanPredicted),
      observedRate: round(b.observedRate),
    })),
    best,
  };
}

/** Plain-text table for the CLI and the markdown card. */
export function renderTable(t: EvaluationTable): string {
  const header = ['scorer', 'PR-AUC', 'positive F1', 'Brier'];
  const rows = t.scorers.map((s) => [
    SCORER_LABELS[s.name],
    s.prAuc.toFixed(3),
    s.positiveF1.toFixed(3),
    s.brier.toFixed(4),
  ]);
  return markdownTable(header, rows);
}

export function renderReliability(t: EvaluationTable): string {
  return markdownTable(
    ['predicted', 'rows', 'mean predicted', 'observed'],
    t.reliability.map((b) => [
      `${b.from.toFixed(2)}-${b.to.toFixed(2)}`,
      String(b.rows),
      b.meanPredicted.toFixed(3),
      b.observedRate.toFixed(3),
    ]),
  );
}

/** A markdown table with padded columns (the layout Biome's markdown formatter keeps). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
