import { describe, expect, it } from 'vitest';
import { binEdges, DEFAULT_GBDT, stripBins, trainGbdt } from '../../src/risk/model/gbdt.js';
import { averagePrecision, bestF1Threshold, f1Macro } from '../../src/risk/model/metrics.js';
import { Prng } from '../../src/risk/model/prng.js';
import { evaluateEnsemble } from '../../src/risk/model/trees.js';

describe('gradient-boosted trees', () => {
  it('uses every distinct value of a small-cardinality feature as an edge, except the largest', () => {
    expect(Array.from(binEdges(Float32Array.from([3, 0, 1, 0, 3, 2]), 32))).toEqual([0, 1, 2]);
    const many = Float32Array.from({ length: 1000 }, (_, i) => i);
    const edges = binEdges(many, 8);
    expect(edges).toHaveLength(7);
    expect(Array.from(edges)).toEqual([125, 250, 375, 500, 625, 750, 875]);
  });

  it('learns a rule that only one of two features carries, and ranks by it', () => {
    const rng = new Prng(3);
    const n = 4000;
    const x = new Float32Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = rng.next(); // noise
      x[i * 2 + 1] = rng.next();
      y[i] = rng.bernoulli(x[i * 2 + 1]! > 0.7 ? 0.9 : 0.05) ? 1 : 0;
    }
    const model = stripBins(trainGbdt(x, y, 2, { ...DEFAULT_GBDT, trees: 30 }));
    const p = evaluateEnsemble(model, Float32Array.from([0.5, 0.9, 0.5, 0.2]), 2);
    expect(p[0]!).toBeGreaterThan(0.75);
    expect(p[1]!).toBeLessThan(0.15);
    const splitFeatures = new Set(
      model.trees.flatMap((t) => t.filter((nd) => !nd.leaf).map((nd) => nd.feature)),
    );
    expect(splitFeatures.has(1)).toBe(true);
    expect(model.trees[0]![0]!.feature).toBe(1);
  });

  it('gives the same trees for the same rows', () => {
    const x = Float32Array.from({ length: 400 }, (_, i) => (i * 37) % 101);
    const y = Uint8Array.from({ length: 200 }, (_, i) => (x[i * 2]! > 50 ? 1 : 0));
    expect(trainGbdt(x, y, 2, { ...DEFAULT_GBDT, trees: 5, minSamplesLeaf: 5 })).toEqual(
      trainGbdt(x, y, 2, { ...DEFAULT_GBDT, trees: 5, minSamplesLeaf: 5 }),
    );
  });
});

describe('metrics', () => {
  it('computes average precision over tied score steps', () => {
    expect(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2, 10);
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBeCloseTo(0.25, 10);
    expect(averagePrecision([1, 0], [0, 0])).toBe(0);
  });

  it('averages the F1 of both classes', () => {
    // tp 1, fp 1, fn 1, tn 1: both F1 are 0.5
    expect(f1Macro([0.9, 0.8, 0.1, 0.2], [1, 0, 1, 0], 0.5)).toBeCloseTo(0.5, 10);
    // predicting nothing positive: F1(neg) = 2*3/(2*3+1) = 6/7, F1(pos) = 0
    expect(f1Macro([0, 0, 0, 0], [1, 0, 0, 0], 0.5)).toBeCloseTo(3 / 7, 10);
    expect(bestF1Threshold([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0])).toBe(0.8);
    expect(bestF1Threshold([0, 0, 0], [0, 0, 1])).toBe(Number.POSITIVE_INFINITY);
  });
});
