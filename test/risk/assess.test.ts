import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessPools, type PoolToAssess } from '../../src/risk/assess.js';
import { COMMITTED_MODEL_VERSION } from '../../src/risk/model/files.js';
import { RiskModel } from '../../src/risk/model/inference.js';

// us-east-1 m5.large is band 3 (15-20%) in the shipped snapshot; t3.micro is band 0 (<5%).
const calm: PoolToAssess = {
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 't3.micro',
  poisoned: false,
  at: new Date('2026-02-03T10:00:00Z'),
  spotPrice: 0.0031,
  onDemandPrice: 0.0104,
  priceTrend24h: 0,
  priceVolatility7d: 0,
  interruptions7d: 0,
  rebalances7d: 0,
  interruptions30d: 0,
};

const stressed: PoolToAssess = {
  ...calm,
  instanceType: 'm5.large',
  spotPrice: 0.0816,
  onDemandPrice: 0.096,
  priceTrend24h: 0.25,
  priceVolatility7d: 0.05,
  interruptions7d: 3,
  rebalances7d: 4,
  interruptions30d: 4,
};

describe('assessPools', () => {
  let model: RiskModel;
  beforeAll(async () => {
    model = await RiskModel.load({ version: COMMITTED_MODEL_VERSION });
  });
  afterAll(() => model.close());

  it('scores a calm <5% pool LOW and a stressed pool HIGH, naming the model version and engine', async () => {
    const [low, high] = await assessPools([calm, stressed], { model });
    expect(low).toMatchObject({ level: 'LOW', engine: 'onnxruntime', modelVersion: COMMITTED_MODEL_VERSION });
    expect(low!.score).toBeLessThan(0.2);
    expect(high).toMatchObject({
      level: 'HIGH',
      engine: 'onnxruntime',
      modelVersion: COMMITTED_MODEL_VERSION,
    });
    expect(high!.score).toBeGreaterThan(0.5);
  });

  it('gives the top three reasons in plain words, strongest first', async () => {
    const [high] = await assessPools([stressed], { model });
    expect(high!.reasons).toHaveLength(3);
    expect(high!.reasons[0]).toBe('3 interruptions in this pool in 7 days');
    const possible = [
      'Spot Advisor: 15-20% interruptions a month for m5.large in us-east-1',
      '4 rebalance recommendations in this pool in 7 days',
      'Spot price is 85% of On-Demand',
      'Spot price rose 25% in 24 h',
      'Spot price varied by 5% over 7 days',
      '4 interruptions in this pool in 30 days',
    ];
    for (const r of high!.reasons.slice(1)) expect(possible).toContain(r);
  });

  it('still names the Spot Advisor band for a pool where nothing raises the risk', async () => {
    const [low] = await assessPools([{ ...calm, placementScore: 9 }], { model });
    expect(low!.reasons).toEqual(['Spot Advisor: <5% interruptions a month for t3.micro in us-east-1']);
  });

  it('names what drives even a small score, such as one recent interruption', async () => {
    const [low] = await assessPools([{ ...calm, interruptions7d: 1, interruptions30d: 1 }], { model });
    expect(low!.level).toBe('LOW');
    expect(low!.reasons[0]).toBe('1 interruption in this pool in 7 days');
  });

  it('rates a poisoned pool HIGH whatever its score, and says until when', async () => {
    const [poisoned] = await assessPools(
      [{ ...calm, poisoned: true, poisonExpiresAt: new Date('2026-02-18T10:00:00Z') }],
      { model },
    );
    expect(poisoned!.score).toBeLessThan(0.2);
    expect(poisoned!.level).toBe('HIGH');
    expect(poisoned!.reasons[0]).toBe('pool is poisoned until 2026-02-18 10:00 UTC');
  });

  it('uses the TypeScript evaluator when the registry says fallback, with the same scores', async () => {
    const viaOrt = await assessPools([calm, stressed], { model });
    const viaTs = await assessPools([calm, stressed], { model, fallback: true });
    expect(viaTs.map((a) => a.engine)).toEqual(['typescript', 'typescript']);
    viaTs.forEach((a, i) => {
      expect(a.score).toBeCloseTo(viaOrt[i]!.score, 6);
      expect(a.reasons).toEqual(viaOrt[i]!.reasons);
    });
  });

  it('assumes the middle band for a pool the Spot Advisor does not list, and says so', async () => {
    const [unknown] = await assessPools([{ ...calm, instanceType: 'zz9.huge' }], { model });
    expect(unknown!.reasons[0]).toBe('no Spot Advisor data for zz9.huge in us-east-1 (assumed 10-15%)');
    const [given] = await assessPools([{ ...calm, instanceType: 'zz9.huge', advisorBand: 4 }], { model });
    expect(given!.reasons).not.toContain('no Spot Advisor data for zz9.huge in us-east-1 (assumed 10-15%)');
    expect(given!.score).toBeGreaterThan(unknown!.score);
  });

  it('answers an empty batch with nothing', async () => {
    expect(await assessPools([], { model })).toEqual([]);
  });
});
