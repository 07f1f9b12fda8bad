// Honest numbers for the risk model: calibrated scores, baselines that are shown, an evaluation
// world that is not the training generator, and a card that says who decides.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { assessPools } from '../../src/risk/assess.js';
import { FEATURE_COUNT, type PoolSnapshot } from '../../src/risk/features.js';
import { COMMITTED_MODEL_VERSION, cardPath } from '../../src/risk/model/files.js';
import { RiskModel } from '../../src/risk/model/inference.js';
import { brierScore, fitPlatt, positiveF1, reliabilityTable } from '../../src/risk/model/metrics.js';
import { evaluateModel, type ModelCard } from '../../src/risk/model/train.js';
import { RULE_NAME } from '../../src/risk/rule.js';

const card = async () => JSON.parse(await readFile(cardPath(COMMITTED_MODEL_VERSION), 'utf8')) as ModelCard;

describe('risk model evaluation', () => {
  it('reports PR-AUC, positive-class F1 and Brier for the model and all three baselines on an independent world', async () => {
    const c = await card();
    const names = c.evaluation.shockWorld.scorers.map((s) => s.name);
    expect(names).toEqual([
      'model',
      'advisorBand',
      'placementScoreRule',
      'interruptions7dRule',
      'rule',
      'ceiling',
    ]);
    expect(c.evaluation.shockWorld.dataset).toMatch(/not the training generator/);
    for (const s of c.evaluation.shockWorld.scorers) {
      expect(s).toEqual(
        expect.objectContaining({
          prAuc: expect.any(Number),
          positiveF1: expect.any(Number),
          brier: expect.any(Number),
        }),
      );
    }
    // Before: the headline was F1-macro, where "always low" already scored 0.49.
    expect(JSON.stringify(c)).not.toMatch(/f1Macro/);
    expect(c.evaluation.shockWorld.reliability.length).toBeGreaterThan(2);
  });

  it('says in the card that, with no labelled history, the Advisor/placement rule decides', async () => {
    const c = await card();
    expect(c.decision.evaluator).toBe('rule');
    expect(c.realInterruptionEvents.labelledAssessments).toBe(0);
    const md = await readFile(
      cardPath(COMMITTED_MODEL_VERSION).replace(/spotops-risk-.*$/, 'MODEL_CARD.md'),
      'utf8',
    );
    expect(md).toMatch(/The Advisor band \+ placement score rule decides/);
    expect(md).toMatch(/independent shock world/);
    expect(md).toContain(`Best PR-AUC: `);
  });

  it('is calibrated on the training generator: the mean predicted probability is close to the rate seen', async () => {
    const c = await card();
    const bins = c.evaluation.sameGenerator.reliability;
    const rows = bins.reduce((n, b) => n + b.rows, 0);
    const predicted = bins.reduce((n, b) => n + b.meanPredicted * b.rows, 0) / rows;
    const observed = bins.reduce((n, b) => n + b.observedRate * b.rows, 0) / rows;
    expect(Math.abs(predicted - observed)).toBeLessThan(0.02);
  });

  it('evaluates the committed model against the baselines and names the rule when history is empty', async () => {
    const model = await RiskModel.load({ version: COMMITTED_MODEL_VERSION });
    const report = evaluateModel(model.ensemble, { x: new Float32Array(0), y: new Uint8Array(0), rows: 0 });
    expect(report.shockWorld.scorers).toHaveLength(6);
    expect(report.history).toEqual({ rows: 0, positives: 0, note: expect.stringMatching(/rule decides/) });
    // A tiny history with both classes gets the same table.
    const x = new Float32Array(4 * FEATURE_COUNT);
    x[0] = 4;
    x[FEATURE_COUNT * 2 + 5] = 3;
    const withHistory = evaluateModel(model.ensemble, { x, y: Uint8Array.from([0, 0, 1, 0]), rows: 4 });
    expect(withHistory.history).toMatchObject({
      dataset: "the bot's own labelled history",
      rows: 4,
      positives: 1,
    });
    await model.close();
  });
});

describe('metrics', () => {
  it('computes Brier score, positive-class F1 and a reliability table', () => {
    expect(brierScore([0.1, 0.9], [0, 1])).toBeCloseTo(0.01, 10);
    expect(positiveF1([0.9, 0.8, 0.1], [1, 0, 1], 0.5)).toBeCloseTo(0.5, 10);
    const table = reliabilityTable([0.01, 0.01, 0.6, 0.6], [0, 0, 1, 0]);
    expect(table).toEqual([
      { from: 0, to: 0.02, rows: 2, meanPredicted: 0.01, observedRate: 0 },
      { from: 0.5, to: 0.75, rows: 2, meanPredicted: 0.6, observedRate: 0.5 },
    ]);
  });

  it('fits Platt scaling that shrinks over-confident logits', () => {
    // Logit 4 (p = 0.98) is right only half the time: Platt pulls it toward 0.5.
    const logits = [4, 4, 4, 4, -4, -4, -4, -4];
    const labels = [1, 0, 1, 0, 0, 0, 0, 0];
    const { a, b } = fitPlatt(logits, labels);
    const p = 1 / (1 + Math.exp(-(a * 4 + b)));
    expect(p).toBeGreaterThan(0.35);
    expect(p).toBeLessThan(0.65);
  });
});

describe('the rule-based evaluator', () => {
  const pool = {
    region: 'us-east-1',
    instanceType: 'm5.large',
    advisorBand: 1,
    at: new Date('2026-11-24T12:00:00Z'),
    spotPrice: 0.04,
    onDemandPrice: 0.096,
    priceTrend24h: 0,
    priceVolatility7d: 0,
    interruptions7d: 0,
    rebalances7d: 0,
    interruptions30d: 0,
    poisoned: false,
  } satisfies PoolSnapshot & { region: string; instanceType: string; poisoned: boolean };

  it('answers when no model loads, naming itself, and rises with a low placement score', async () => {
    const [ok, short] = await assessPools(
      [
        { ...pool, placementScore: 9 },
        { ...pool, placementScore: 2 },
      ],
      {},
    );
    expect(ok).toMatchObject({ engine: 'rule', modelVersion: 'none', modelScore: null });
    expect(short!.score).toBeGreaterThan(ok!.score);
    expect(short!.reasons).toContain('AWS placement score 2/10 for m5.large in this AZ');
    expect(RULE_NAME).toMatch(/Advisor band \+ placement score/);
  });

  it('decides while the model score is kept beside it', async () => {
    const model = await RiskModel.load({ version: COMMITTED_MODEL_VERSION });
    const [a] = await assessPools([{ ...pool, placementScore: 9 }], { model, decide: 'rule' });
    expect(a!.engine).toBe('rule');
    expect(a!.modelScore).toEqual(expect.any(Number));
    expect(a!.modelVersion).toBe(COMMITTED_MODEL_VERSION);
    await model.close();
  });
});
