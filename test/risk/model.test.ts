import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModelCommand } from '../../src/risk/cli.js';
import { FEATURE_COUNT, featureMatrix, featureVector, type PoolSnapshot } from '../../src/risk/features.js';
import { COMMITTED_MODEL_VERSION, cardPath, modelPath } from '../../src/risk/model/files.js';
import { RiskModel, riskLevelOf } from '../../src/risk/model/inference.js';
import { decodeOnnx } from '../../src/risk/model/onnx.js';
import { Prng } from '../../src/risk/model/prng.js';
import { readMessage } from '../../src/risk/model/protobuf.js';

const committedPath = modelPath(COMMITTED_MODEL_VERSION);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Fixed rows: seeded draws across every feature's range, plus a few hand-made extremes. */
function fixedRows(count: number): Float32Array {
  const rng = new Prng(7);
  const snapshots: PoolSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    const i7 = rng.int(5);
    snapshots.push({
      advisorBand: rng.int(5),
      at: new Date(Date.UTC(2026, 0, 1) + rng.int(24 * 365) * 3_600_000),
      spotPrice: rng.uniform(0.05, 1.3),
      onDemandPrice: 1,
      priceTrend24h: rng.uniform(-0.3, 0.6),
      priceVolatility7d: rng.uniform(0, 0.3),
      interruptions7d: i7,
      rebalances7d: rng.int(8),
      interruptions30d: i7 + rng.int(6),
    });
  }
  return featureMatrix(snapshots);
}

const calmPool: PoolSnapshot = {
  advisorBand: 0,
  at: new Date('2026-02-03T10:00:00Z'),
  spotPrice: 0.045,
  onDemandPrice: 0.096,
  priceTrend24h: 0.02,
  priceVolatility7d: 0.04,
  interruptions7d: 1,
  rebalances7d: 1,
  interruptions30d: 2,
};

describe('risk model', () => {
  let model: RiskModel;
  beforeAll(async () => {
    model = await RiskModel.load({ version: COMMITTED_MODEL_VERSION });
  });
  afterAll(() => model.close());

  it('loads the committed file in onnxruntime-node with a [N, 9] input and a probability output', async () => {
    const session = await ort.InferenceSession.create(committedPath);
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['probability']);
    const out = await session.run({
      features: new ort.Tensor('float32', featureVector(calmPool), [1, FEATURE_COUNT]),
    });
    expect(out.probability!.dims).toEqual([1, 1]);
    await session.release();
    expect(model.preferredEngine).toBe('onnxruntime');
    expect(model.version).toBe(COMMITTED_MODEL_VERSION);
  });

  it('gives the same probabilities from onnxruntime and the TypeScript evaluator, to 1e-6', async () => {
    const rows = 2000;
    const x = fixedRows(rows);
    const ortResult = await model.score(x, rows);
    const tsResult = await model.score(x, rows, { fallback: true });
    expect(ortResult.engine).toBe('onnxruntime');
    expect(tsResult.engine).toBe('typescript');
    let maxDiff = 0;
    for (let i = 0; i < rows; i++)
      maxDiff = Math.max(maxDiff, Math.abs(ortResult.scores[i]! - tsResult.scores[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
    // The rows reach all three levels, so the agreement is not about a flat region.
    const levels = new Set(Array.from(tsResult.scores, riskLevelOf));
    expect(levels).toEqual(new Set(['LOW', 'MEDIUM', 'HIGH']));
  });

  it('ranks a >20% band pool above a <5% band pool when all else is equal', async () => {
    const x = featureMatrix([calmPool, { ...calmPool, advisorBand: 4 }]);
    for (const fallback of [false, true]) {
      const { scores } = await model.score(x, 2, { fallback });
      expect(scores[1]!).toBeGreaterThan(scores[0]!);
    }
  });

  it('scores a pool with recent interruptions and a price at On-Demand as HIGH', async () => {
    const stressed = {
      ...calmPool,
      advisorBand: 4,
      spotPrice: 0.095,
      priceTrend24h: 0.3,
      interruptions7d: 4,
      rebalances7d: 5,
      interruptions30d: 6,
    };
    const { scores } = await model.score(featureVector(stressed), 1);
    expect(riskLevelOf(scores[0]!)).toBe('HIGH');
  });

  it('falls back to the TypeScript evaluator when onnxruntime-node cannot be imported', async () => {
    const failing = await RiskModel.load({
      version: COMMITTED_MODEL_VERSION,
      loadOrt: () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file')),
    });
    expect(failing.preferredEngine).toBe('typescript');
    expect(failing.ortError).toMatch(/cannot open shared object file/);
    const x = fixedRows(50);
    const fallback = await failing.score(x, 50);
    const viaOrt = await model.score(x, 50);
    expect(fallback.engine).toBe('typescript');
    for (let i = 0; i < 50; i++) expect(fallback.scores[i]).toBeCloseTo(viaOrt.scores[i]!, 6);
  });

  it('refuses a file whose hash differs from what the registry recorded', async () => {
    await expect(
      RiskModel.load({ version: COMMITTED_MODEL_VERSION, expectedSha256: 'f'.repeat(64) }),
    ).rejects.toThrow(/registry expects f{64}/);
  });

  it('writes each tree contiguously, root first, with float32 thresholds', async () => {
    const bytes = new Uint8Array(await readFile(committedPath));
    const { ensemble, metadata } = decodeOnnx(bytes);
    expect(metadata.feature_names).toBe(
      'advisor_band,spot_od_price_ratio,price_trend_24h,price_volatility_7d,placement_score,interruptions_7d,rebalances_7d,interruptions_30d',
    );
    for (const tree of ensemble.trees) {
      tree.forEach((node, id) => {
        if (node.leaf) return;
        expect(Math.fround(node.threshold)).toBe(node.threshold);
        expect(node.left).toBeGreaterThan(id);
        expect(node.right).toBeGreaterThan(node.left);
        expect(node.right).toBeLessThan(tree.length);
      });
    }
    // The graph's outputs are tensors only (no ZipMap): one Sigmoid after the trees.
    const graph = readMessage(readMessage(bytes).get(7)![0] as Uint8Array);
    const ops = graph
      .get(1)!
      .map((n) => new TextDecoder().decode(readMessage(n as Uint8Array).get(4)![0] as Uint8Array));
    expect(ops).toEqual(['TreeEnsembleRegressor', 'Sigmoid']);
  });

  it('retrains to the same bytes as the committed model with the same seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spotops-risk-'));
    try {
      const lines: string[] = [];
      await trainModelCommand(['--out', dir], (l) => lines.push(l));
      const retrained = new Uint8Array(
        await readFile(join(dir, `spotops-risk-${COMMITTED_MODEL_VERSION}.onnx`)),
      );
      const committed = new Uint8Array(await readFile(committedPath));
      expect(sha256(retrained)).toBe(sha256(committed));
      const card = JSON.parse(await readFile(cardPath(COMMITTED_MODEL_VERSION), 'utf8'));
      expect(card.sha256).toBe(sha256(committed));
      expect(
        JSON.parse(await readFile(join(dir, `spotops-risk-${COMMITTED_MODEL_VERSION}.card.json`), 'utf8')),
      ).toEqual(card);
      expect(await readFile(join(dir, 'MODEL_CARD.md'), 'utf8')).toBe(
        await readFile(new URL('../../src/risk/model/MODEL_CARD.md', import.meta.url), 'utf8'),
      );
      expect(lines.some((l) => l.includes(sha256(committed)))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('trains a different model from a different seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spotops-risk-'));
    try {
      await trainModelCommand(
        ['--out', dir, '--seed', '11', '--rows', '5000', '--version', 'test'],
        () => {},
      );
      const other = new Uint8Array(await readFile(join(dir, 'spotops-risk-test.onnx')));
      expect(sha256(other)).not.toBe(sha256(new Uint8Array(await readFile(committedPath))));
      const reloaded = await RiskModel.load({ path: join(dir, 'spotops-risk-test.onnx') });
      expect(reloaded.version).toBe('test');
      await reloaded.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed train-model arguments with a usage line', async () => {
    await expect(trainModelCommand(['--seed'], () => {})).rejects.toThrow(/usage: spotops train-model/);
    await expect(trainModelCommand(['--seed', 'abc'], () => {})).rejects.toThrow(/non-negative integer/);
    await expect(trainModelCommand(['--version', '../x'], () => {})).rejects.toThrow(/plain version/);
  });
});
