// The registry's fallback chain and `spotops model register`: a missing or corrupt active model
// falls back to the last model that loaded, then to the rule; registering checks the file.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { riskModels } from '../../src/db/schema.js';
import { modelCommand } from '../../src/risk/cli.js';
import { COMMITTED_MODEL_VERSION, modelPath } from '../../src/risk/model/files.js';
import { encodeOnnx } from '../../src/risk/model/onnx.js';
import { activateModel, loadRiskEvaluator, registerModelFile } from '../../src/risk/models.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.db.delete(riskModels);
  dir = await mkdtemp(join(tmpdir(), 'spotops-models-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** A copy of the committed model registered from the data directory under another version. */
async function registerCopy(version: string): Promise<string> {
  const bytes = await readFile(modelPath(COMMITTED_MODEL_VERSION));
  const src = join(dir, `candidate-${version}.onnx`);
  // Same trees, the version rewritten in the metadata (the registry reads it from the file).
  const text = Buffer.from(bytes);
  const patched = Buffer.from(text.toString('latin1').replaceAll(COMMITTED_MODEL_VERSION, version), 'latin1');
  await writeFile(src, patched);
  const r = await registerModelFile(database.db, src, dir);
  return r.path;
}

describe('risk model fallback chain', () => {
  it('answers with the active model when its file loads', async () => {
    const e = await loadRiskEvaluator(database.db);
    expect(e).toMatchObject({ kind: 'model', version: COMMITTED_MODEL_VERSION, decides: 'rule' });
  });

  it('falls back to the last model that loaded when the active file is deleted, then to the rule', async () => {
    await loadRiskEvaluator(database.db); // 2.0.0 loads once: it is now "last good"
    const path = await registerCopy('2.0.1');
    await activateModel(database.db, '2.0.1');
    await rm(path);
    const standIn = await loadRiskEvaluator(database.db);
    expect(standIn).toMatchObject({
      kind: 'model',
      version: COMMITTED_MODEL_VERSION,
      replacing: { version: '2.0.1', error: expect.stringMatching(/reading the risk model/) },
    });
    // Nothing else has ever loaded: a corrupt committed entry leaves only the rule.
    await database.db.update(riskModels).set({ lastLoadedAt: null });
    expect(await loadRiskEvaluator(database.db)).toMatchObject({
      kind: 'rule',
      error: expect.stringMatching(/2\.0\.1/),
    });
  });

  it('falls back when the active file is corrupt (its bytes no longer match the registered sha256)', async () => {
    await loadRiskEvaluator(database.db);
    const path = await registerCopy('2.0.2');
    await activateModel(database.db, '2.0.2');
    await writeFile(path, 'not a model');
    const e = await loadRiskEvaluator(database.db);
    expect(e).toMatchObject({
      kind: 'model',
      version: COMMITTED_MODEL_VERSION,
      replacing: { version: '2.0.2' },
    });
  });
});

describe('spotops model evaluate', () => {
  it('prints the model against the three baselines (PR-AUC, positive F1, Brier) on the independent world', async () => {
    const lines: string[] = [];
    await modelCommand(['evaluate'], (l) => lines.push(l), { db: database.db, dataDir: dir });
    const text = lines.join('\n');
    expect(lines[0]).toBe('risk model 2.0.0');
    expect(text).toMatch(/independent shock world \(not the training generator\): 20000 rows, \d+ positive/);
    expect(text).toMatch(/\| scorer +\| PR-AUC \| positive F1 \| Brier +\|/);
    for (const name of [
      'this model (calibrated)',
      'Spot Advisor band alone',
      '7-day interruption count rule',
      'placement score rule',
    ]) {
      expect(text).toContain(`| ${name}`);
    }
    expect(text).toMatch(/reliability of the model:/);
    expect(text).toContain(
      "the bot's own history: 0 labelled assessments, 0 positive: no labelled assessments yet: the Advisor band + placement score rule decides",
    );
  });
});

describe('spotops model register', () => {
  it('copies a valid model into the data directory with its sha256, not active until activated', async () => {
    const lines: string[] = [];
    const src = join(dir, 'incoming.onnx');
    await copyFile(modelPath(COMMITTED_MODEL_VERSION), src);
    await database.db.delete(riskModels);
    // Registered under its own (committed) version: the committed row is replaced by the data-dir copy.
    await modelCommand(['register', src], (l) => lines.push(l), { db: database.db, dataDir: dir });
    expect(lines[0]).toMatch(
      /^registered risk model 2\.0\.0 \(sha256 [0-9a-f]{16}\) at .*models\/spotops-risk-2\.0\.0\.onnx$/,
    );
    const [row] = await database.db.select().from(riskModels).where(eq(riskModels.version, '2.0.0'));
    expect(row!.path).toBe(join(dir, 'models', 'spotops-risk-2.0.0.onnx'));
  });

  it('refuses a file whose feature schema is not this code’s', async () => {
    const src = join(dir, 'old.onnx');
    const tree = [{ leaf: true, feature: 0, threshold: 0, left: 0, right: 0, value: 0.1 }];
    await writeFile(
      src,
      encodeOnnx(
        { featureCount: 9, baseScore: 0, trees: [tree] },
        {
          version: '1.0.0',
          description: 'old',
          metadata: { version: '1.0.0', feature_names: 'advisor_band,hour_utc' },
        },
      ),
    );
    await expect(registerModelFile(database.db, src, dir)).rejects.toThrow(
      /cannot be registered: takes 9 features, this code makes 8; feature schema advisor_band,hour_utc differs/,
    );
  });

  it('refuses a file that is not a model', async () => {
    const src = join(dir, 'junk.onnx');
    await writeFile(src, 'junk');
    await expect(registerModelFile(database.db, src, dir)).rejects.toThrow(/is not a spotops risk model/);
  });
});
