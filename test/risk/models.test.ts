import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { riskModels } from '../../src/db/schema.js';
import { modelCommand } from '../../src/risk/cli.js';
import { COMMITTED_MODEL_VERSION } from '../../src/risk/model/files.js';
import {
  activateModel,
  activeModel,
  committedModelCard,
  ensureCommittedModel,
  listModels,
  loadActiveModel,
  registerModel,
  setFallback,
} from '../../src/risk/models.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// One database per file (creating one takes seconds); each test starts with an empty registry.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());
beforeEach(async () => {
  await database.db.delete(riskModels);
});

describe('risk_models registry', () => {
  it('registers the committed model once and activates it when none is active', async () => {
    const first = await ensureCommittedModel(database.db);
    const second = await ensureCommittedModel(database.db);
    expect(first.version).toBe(COMMITTED_MODEL_VERSION);
    expect(second.version).toBe(COMMITTED_MODEL_VERSION);
    const all = await listModels(database.db);
    expect(all).toHaveLength(1);
    expect(all[0]!.active).toBe(true);
    expect(all[0]!.sha256).toBe(committedModelCard().sha256);
    expect(all[0]!.card).toMatchObject({
      version: COMMITTED_MODEL_VERSION,
      label: expect.stringMatching(/simulated/),
    });
  });

  it('keeps exactly one model active when another is activated, and leaves the choice alone on restart', async () => {
    await ensureCommittedModel(database.db);
    expect(await registerModel(database.db, { version: '0.9.0', sha256: 'a'.repeat(64), card: {} })).toBe(
      true,
    );
    expect(await registerModel(database.db, { version: '0.9.0', sha256: 'b'.repeat(64), card: {} })).toBe(
      false,
    );
    await activateModel(database.db, '0.9.0');
    await ensureCommittedModel(database.db);
    const rows = await database.db.select().from(riskModels);
    expect(rows.filter((r) => r.active).map((r) => r.version)).toEqual(['0.9.0']);
    expect(rows.find((r) => r.version === '0.9.0')!.sha256).toBe('a'.repeat(64));
  });

  it('refuses to activate a version that is not registered', async () => {
    await ensureCommittedModel(database.db);
    await expect(activateModel(database.db, '7.0.0')).rejects.toThrow(
      /no risk model 7.0.0 is registered \(registered: 2.0.0\)/,
    );
    expect((await activeModel(database.db))!.version).toBe(COMMITTED_MODEL_VERSION);
  });

  it('switches the active model onto the TypeScript evaluator and back', async () => {
    await expect(setFallback(database.db, true)).rejects.toThrow(/no risk model is active/);
    await ensureCommittedModel(database.db);
    expect((await setFallback(database.db, true)).fallback).toBe(true);
    const forced = await loadActiveModel(database.db);
    expect(forced.fallback).toBe(true);
    expect(forced.model.version).toBe(COMMITTED_MODEL_VERSION);
    expect((await setFallback(database.db, false)).fallback).toBe(false);
    expect((await loadActiveModel(database.db)).fallback).toBe(false);
    await forced.model.close();
  });

  it('will not load a registered version whose file does not match the recorded hash', async () => {
    await ensureCommittedModel(database.db);
    await database.db.update(riskModels).set({ sha256: '0'.repeat(64) });
    await expect(loadActiveModel(database.db)).rejects.toThrow(/registry expects 0{64}/);
  });
});

describe('spotops model', () => {
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    await modelCommand(args, (l) => lines.push(l), { db: database.db });
    return lines;
  };

  it('lists the registered models with the active one marked', async () => {
    const lines = await run('list');
    expect(lines).toEqual([`2.0.0  sha256 ${committedModelCard().sha256.slice(0, 16)}  active  (committed)`]);
  });

  it('activates a version and turns the fallback on and off', async () => {
    await ensureCommittedModel(database.db);
    await registerModel(database.db, { version: '0.9.0', sha256: 'a'.repeat(64), card: {} });
    expect(await run('activate', '0.9.0')).toEqual(['risk model 0.9.0 is active']);
    expect(await run('fallback', 'on')).toEqual([
      'fallback on for risk model 0.9.0: the TypeScript evaluator answers',
    ]);
    expect(await run('fallback')).toEqual(['fallback is on for risk model 0.9.0']);
    expect(await run('list')).toEqual([
      `2.0.0  sha256 ${committedModelCard().sha256.slice(0, 16)}  -  (committed)`,
      '0.9.0  sha256 aaaaaaaaaaaaaaaa  active, fallback  (committed)',
    ]);
    expect(await run('fallback', 'off')).toEqual([
      'fallback off for risk model 0.9.0: onnxruntime answers when it loads',
    ]);
  });

  it('answers malformed input with the usage line', async () => {
    await expect(run()).rejects.toThrow(/usage: spotops model list/);
    await expect(run('fallback', 'maybe')).rejects.toThrow(/usage: spotops model/);
    await expect(run('activate')).rejects.toThrow(/usage: spotops model/);
    await expect(run('activate', '9.9.9')).rejects.toThrow(/no risk model 9.9.9/);
  });
});
