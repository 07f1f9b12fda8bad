// The risk_models registry: which model versions exist (version, file sha256, card), which one
// is active, and whether it is forced onto the TypeScript evaluator (`fallback`). The committed
// model registers itself idempotently and becomes active when nothing else is.
import { readFileSync } from 'node:fs';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { riskModels } from '../db/schema.js';
import { UserError } from '../lib/errors.js';
import { COMMITTED_MODEL_VERSION, cardPath } from './model/files.js';
import { type LoadOptions, RiskModel } from './model/inference.js';

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

/**
 * Loads the active model's file, checked against the registry's sha256. Model files live in
 * src/risk/model/; a registered version without its file there is an error that says so.
 */
export async function loadActiveModel(
  db: Db,
  options: Pick<LoadOptions, 'loadOrt'> = {},
): Promise<ActiveRiskModel> {
  const record = (await activeModel(db)) ?? (await ensureCommittedModel(db));
  const model = await RiskModel.load({
    version: record.version,
    expectedSha256: record.sha256,
    ...options,
  });
  return { model, fallback: record.fallback };
}
