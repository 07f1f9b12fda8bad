// The risk_models registry: which model versions exist (version, file sha256, card), which one
// is active, and whether it is forced onto the TypeScript evaluator (`fallback`). The committed
// model registers itself idempotently and becomes active when nothing else is.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { riskModels } from '../db/schema.js';
import { describeError, UserError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import { COMMITTED_MODEL_VERSION, cardPath, modelFileName, modelPath } from './model/files.js';
import { type LoadOptions, RiskModel } from './model/inference.js';
import { decodeOnnx, INPUT_NAME, OUTPUT_NAME } from './model/onnx.js';

export type RiskModelRecord = typeof riskModels.$inferSelect;

export interface ModelRegistration {
  version: string;
  sha256: string;
  card: Record<string, unknown>;
}

/** Adds a model version; returns false when that version was already registered (left as is). */
export async function registerModel(db: Db, model: ModelRegistration): Promise<boolean> {
  const rows = await db
    .insert(riskModels)
    .values({ version: model.version, sha256: model.sha256, card: model.card })
    .onConflictDoNothing({ target: riskModels.version })
    .returning({ version: riskModels.version });
  return rows.length > 0;
}

export async function listModels(db: Db): Promise<RiskModelRecord[]> {
  return db.select().from(riskModels).orderBy(asc(riskModels.createdAt), asc(riskModels.version));
}

export async function activeModel(db: Db): Promise<RiskModelRecord | undefined> {
  const [row] = await db.select().from(riskModels).where(eq(riskModels.active, true)).limit(1);
  return row;
}

/** Makes `version` the only active model (one statement, so there is never zero or two). */
export async function activateModel(db: Db, version: string): Promise<RiskModelRecord> {
  const [known] = await db.select().from(riskModels).where(eq(riskModels.version, version));
  if (!known) {
    const versions = (await listModels(db)).map((m) => m.version).join(', ') || 'none';
    throw new UserError(`no risk model ${version} is registered (registered: ${versions})`);
  }
  await db.update(riskModels).set({ active: sql`${riskModels.version} = ${version}` });
  return { ...known, active: true };
}

/** Forces (on) or releases (off) the TypeScript evaluator for the active model. */
export async function setFallback(db: Db, on: boolean): Promise<RiskModelRecord> {
  const [row] = await db
    .update(riskModels)
    .set({ fallback: on })
    .where(eq(riskModels.active, true))
    .returning();
  if (!row) throw new UserError('no risk model is active; run `spotops model activate <version>` first');
  return row;
}

/** The committed model's card (src/risk/model/spotops-risk-<version>.card.json). */
export function committedModelCard(version = COMMITTED_MODEL_VERSION): ModelRegistration {
  const path = cardPath(version);
  try {
    const card = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { sha256: string };
    return { version, sha256: card.sha256, card };
  } catch (cause) {
    throw new Error(`reading the model card ${path}`, { cause });
  }
}

/** Registers the committed model (idempotent) and activates it when no model is active. */
export async function ensureCommittedModel(db: Db): Promise<RiskModelRecord> {
  const committed = committedModelCard();
  await registerModel(db, committed);
  return (await activeModel(db)) ?? activateModel(db, committed.version);
}

export interface ActiveRiskModel {
  model: RiskModel;
  /** The registry forces the TypeScript evaluator. */
  fallback: boolean;
}

/** Where a registered model's file is: the data directory copy, else the committed file. */
export function modelFileOf(record: Pick<RiskModelRecord, 'version' | 'path'>): string {
  return record.path ?? modelPath(record.version);
}

/**
 * Loads the active model's file, checked against the registry's sha256. Throws when it cannot
 * (see loadRiskEvaluator for the fallback chain).
 */
export async function loadActiveModel(
  db: Db,
  options: Pick<LoadOptions, 'loadOrt'> = {},
): Promise<ActiveRiskModel> {
  const record = (await activeModel(db)) ?? (await ensureCommittedModel(db));
  const model = await RiskModel.load({
    path: modelFileOf(record),
    expectedSha256: record.sha256,
    ...options,
  });
  return { model, fallback: record.fallback };
}

const decidesOf = (r: RiskModelRecord): 'model' | 'rule' =>
  (r.card as { decision?: { evaluator?: string } }).decision?.evaluator === 'model' ? 'model' : 'rule';

/** What answers a risk question: a model (the active one or the last good one), or the rule. */
export type RiskEvaluator =
  | {
      kind: 'model';
      model: RiskModel;
      fallback: boolean;
      version: string;
      /** Who decides the level: the model only when its card says it earned it on real history. */
      decides: 'model' | 'rule';
      /** Set when this is not the active model: why the active one did not answer. */
      replacing?: { version: string; error: string };
    }
  | { kind: 'rule'; error: string };

/**
 * The fallback chain: the active model; when its file is missing or corrupt, the last model that
 * loaded (most recent lastLoadedAt); when none loads, the rule-based evaluator. Never throws for
 * a model file problem: the caller names whichever answered.
 */
export async function loadRiskEvaluator(
  db: Db,
  options: Pick<LoadOptions, 'loadOrt'> & { log?: Logger } = {},
): Promise<RiskEvaluator> {
  await ensureCommittedModel(db).catch((err) =>
    options.log?.warn({ err }, 'registering the committed risk model failed'),
  );
  const active = await activeModel(db);
  const tryLoad = async (record: RiskModelRecord) => {
    const model = await RiskModel.load({
      path: modelFileOf(record),
      expectedSha256: record.sha256,
      loadOrt: options.loadOrt,
    });
    await db
      .update(riskModels)
      .set({ lastLoadedAt: sql`now()` })
      .where(eq(riskModels.version, record.version));
    return model;
  };
  let activeError = 'no risk model is active';
  if (active) {
    try {
      return {
        kind: 'model',
        model: await tryLoad(active),
        fallback: active.fallback,
        version: active.version,
        decides: decidesOf(active),
      };
    } catch (err) {
      activeError = describeError(err);
      options.log?.warn({ version: active.version, err: activeError }, 'active risk model unavailable');
    }
  }
  const others = (await db.select().from(riskModels).orderBy(desc(riskModels.lastLoadedAt))).filter(
    (r) => r.version !== active?.version && r.lastLoadedAt !== null,
  );
  for (const record of others) {
    try {
      return {
        kind: 'model',
        model: await tryLoad(record),
        fallback: record.fallback,
        version: record.version,
        decides: decidesOf(record),
        replacing: { version: active?.version ?? 'none', error: activeError },
      };
    } catch (err) {
      options.log?.warn(
        { version: record.version, err: describeError(err) },
        'last good risk model unavailable',
      );
    }
  }
  return { kind: 'rule', error: `${active ? `risk model ${active.version}: ` : ''}${activeError}` };
}

/**
 * `spotops model register <file.onnx>`: checks the file is a spotops risk model for this code
 * (input/output names and shapes, feature schema), records its sha256 and card, and copies it to
 * <dataDir>/models/. Not activated: `spotops model activate <version>` does that.
 */
export async function registerModelFile(
  db: Db,
  file: string,
  dataDir: string,
): Promise<{ version: string; sha256: string; path: string }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (cause) {
    throw new UserError(`cannot read ${file}: ${describeError(cause)}`);
  }
  let decoded: ReturnType<typeof decodeOnnx>;
  try {
    decoded = decodeOnnx(bytes);
  } catch (cause) {
    throw new UserError(
      `${file} is not a spotops risk model (ONNX TreeEnsemble + Sigmoid): ${describeError(cause)}`,
    );
  }
  const problems: string[] = [];
  if (decoded.inputName !== INPUT_NAME)
    problems.push(`input is ${decoded.inputName}, expected ${INPUT_NAME}`);
  if (decoded.outputName !== OUTPUT_NAME)
    problems.push(`output is ${decoded.outputName}, expected ${OUTPUT_NAME}`);
  if (decoded.ensemble.featureCount !== FEATURE_COUNT)
    problems.push(`takes ${decoded.ensemble.featureCount} features, this code makes ${FEATURE_COUNT}`);
  const names = decoded.metadata.feature_names;
  if (names !== FEATURE_NAMES.join(','))
    problems.push(`feature schema ${names ?? '(none)'} differs from this code's ${FEATURE_NAMES.join(',')}`);
  const version = decoded.metadata.version ?? decoded.producerVersion;
  if (!version || !/^[0-9A-Za-z._-]+$/.test(version)) problems.push('no plain version in the model metadata');
  if (problems.length) throw new UserError(`${file} cannot be registered: ${problems.join('; ')}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(dataDir, 'models');
  const path = join(dir, modelFileName(version));
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path, bytes);
  } catch (cause) {
    throw new Error(`copying ${file} to ${path}`, { cause });
  }
  let card: Record<string, unknown> = { version, sha256, registeredFrom: file };
  try {
    card = {
      ...JSON.parse(await readFile(file.replace(/\.onnx$/, '.card.json'), 'utf8')),
      registeredFrom: file,
    };
  } catch {
    // No card beside the file: the registry keeps the minimal one.
  }
  const [existing] = await db.select().from(riskModels).where(eq(riskModels.version, version));
  if (existing && existing.sha256 !== sha256)
    throw new UserError(
      `risk model ${version} is already registered with another sha256 (${existing.sha256.slice(0, 16)})`,
    );
  await db
    .insert(riskModels)
    .values({ version, sha256, card, path })
    .onConflictDoUpdate({ target: riskModels.version, set: { path } });
  return { version, sha256, path };
}
