// Scores 10,000 pools in one batch with onnxruntime-node and with the TypeScript evaluator.
// Target on the reference machine (2 vCPU): under 50 ms per batch for onnxruntime.
import { afterAll, bench, describe } from 'vitest';
import { featureMatrix, type PoolSnapshot } from '../../src/risk/features.js';
import { COMMITTED_MODEL_VERSION } from '../../src/risk/model/files.js';
import { RiskModel } from '../../src/risk/model/inference.js';
import { Prng } from '../../src/risk/model/prng.js';

const POOLS = 10_000;
const options = { time: 2000, warmupIterations: 5 };
const rng = new Prng(42);
const snapshots: PoolSnapshot[] = Array.from({ length: POOLS }, () => {
  const interruptions7d = rng.int(4);
  return {
    advisorBand: rng.int(5),
    at: new Date(Date.UTC(2026, 0, 1) + rng.int(24 * 365) * 3_600_000),
    spotPrice: rng.uniform(0.02, 0.1),
    onDemandPrice: 0.096,
    priceTrend24h: rng.uniform(-0.1, 0.3),
    priceVolatility7d: rng.uniform(0, 0.1),
    interruptions7d,
    rebalances7d: rng.int(5),
    interruptions30d: interruptions7d + rng.int(4),
  };
});
const x = featureMatrix(snapshots);
const model = await RiskModel.load({ version: COMMITTED_MODEL_VERSION });
if (model.preferredEngine !== 'onnxruntime')
  throw new Error(`onnxruntime-node did not load: ${model.ortError}`);

describe(`risk model: ${POOLS.toLocaleString('en')} pools in one batch`, () => {
  afterAll(() => model.close());

  bench(
    'onnxruntime-node',
    async () => {
      const { engine } = await model.score(x, POOLS);
      if (engine !== 'onnxruntime') throw new Error(`answered by ${engine}`);
    },
    options,
  );

  bench(
    'TypeScript evaluator',
    () => {
      model.scoreTypescript(x, POOLS);
    },
    options,
  );
});
