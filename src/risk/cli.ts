// Operator commands of the risk module, as functions the CLI routes to:
//   spotops train-model [--seed N] [--rows N] [--version V] [--out DIR]
//   spotops model list | activate <version> | fallback [on|off] | register <file.onnx> | evaluate
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { systemClock } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';
import { labelAssessments, labelledHistory } from './labels.js';
import { renderReliability, renderTable, SCORER_LABELS } from './model/evaluation.js';
import { cardFileName, MODEL_CARD_MARKDOWN, modelDir, modelFileName } from './model/files.js';
import { COMMITTED_TRAINING, evaluateModel, type TrainOptions, trainRiskModel } from './model/train.js';
import {
  activateModel,
  activeModel,
  ensureCommittedModel,
  listModels,
  loadRiskEvaluator,
  registerModelFile,
  setFallback,
} from './models.js';

export type Out = (line: string) => void;

const TRAIN_USAGE = 'usage: spotops train-model [--seed N] [--rows N] [--version V] [--out DIR]';
const MODEL_USAGE =
  'usage: spotops model list | activate <version> | fallback [on|off] | register <file.onnx> | evaluate';

function parseFlags(args: readonly string[], allowed: readonly string[], usage: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.replace(/^--/, '');
    const value = args[i + 1];
    if (!args[i]!.startsWith('--') || !allowed.includes(name) || value === undefined) {
      throw new UserError(`unexpected argument ${args[i]}; ${usage}`);
    }
    flags.set(name, value);
    i++;
  }
  return flags;
}

function positiveInt(flags: Map<string, string>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 0)
    throw new UserError(`--${name} must be a non-negative integer, got ${raw}`);
  return v;
}

/**
 * Trains the risk model and writes `spotops-risk-<version>.onnx`, its JSON card and
 * MODEL_CARD.md into --out (default: src/risk/model, i.e. replaces the committed files).
 */
export async function trainModelCommand(args: readonly string[], out: Out): Promise<void> {
  const flags = parseFlags(args, ['seed', 'rows', 'version', 'out'], TRAIN_USAGE);
  const options: TrainOptions = {
    ...COMMITTED_TRAINING,
    seed: positiveInt(flags, 'seed', COMMITTED_TRAINING.seed),
    rows: positiveInt(flags, 'rows', COMMITTED_TRAINING.rows),
    version: flags.get('version') ?? COMMITTED_TRAINING.version,
  };
  if (!/^[0-9A-Za-z._-]+$/.test(options.version))
    throw new UserError(`--version ${options.version} is not a plain version string`);
  if (options.rows < 1000) throw new UserError('--rows must be at least 1000');
  const dir = flags.get('out') ?? modelDir();

  out(`training risk model ${options.version} (seed ${options.seed}, ${options.rows} simulated rows)`);
  const started = performance.now();
  const trained = trainRiskModel(options);
  await mkdir(dir, { recursive: true });
  const onnxPath = join(dir, modelFileName(options.version));
  const cardPath = join(dir, cardFileName(options.version));
  const markdownPath = join(dir, MODEL_CARD_MARKDOWN);
  try {
    await writeFile(onnxPath, trained.onnx);
    await writeFile(cardPath, `${JSON.stringify(trained.card, null, 2)}\n`);
    await writeFile(markdownPath, trained.markdown);
  } catch (cause) {
    throw new Error(`writing the trained model to ${dir}`, { cause });
  }
  out(`trained in ${Math.round(performance.now() - started)} ms`);
  for (const t of [trained.card.evaluation.sameGenerator, trained.card.evaluation.shockWorld]) {
    out(`${t.dataset}: ${t.rows} rows, ${t.positives} positive`);
    for (const line of renderTable(t).split('\n')) out(line);
  }
  out(`decision: ${trained.card.decision.why}`);
  out(`wrote ${onnxPath} (sha256 ${trained.card.sha256})`);
  out(`wrote ${cardPath}`);
  out(`wrote ${markdownPath}`);
}

/** `spotops model list | activate <version> | fallback [on|off] | register <file.onnx> | evaluate`. */
export async function modelCommand(
  args: readonly string[],
  out: Out,
  deps: { db: Db; dataDir?: string },
): Promise<void> {
  const { db } = deps;
  const [sub, arg, extra] = args;
  if (extra !== undefined) throw new UserError(MODEL_USAGE);
  await ensureCommittedModel(db);
  switch (sub) {
    case 'list': {
      if (arg !== undefined) throw new UserError(MODEL_USAGE);
      for (const m of await listModels(db)) {
        const flags = [m.active ? 'active' : '', m.fallback ? 'fallback' : ''].filter(Boolean).join(', ');
        out(`${m.version}  sha256 ${m.sha256.slice(0, 16)}  ${flags || '-'}  ${m.path ?? '(committed)'}`);
      }
      return;
    }
    case 'register': {
      if (arg === undefined) throw new UserError(MODEL_USAGE);
      const r = await registerModelFile(db, arg, deps.dataDir ?? './data');
      out(`registered risk model ${r.version} (sha256 ${r.sha256.slice(0, 16)}) at ${r.path}`);
      out(`activate it with: spotops model activate ${r.version}`);
      return;
    }
    case 'evaluate': {
      if (arg !== undefined) throw new UserError(MODEL_USAGE);
      const evaluator = await loadRiskEvaluator(db);
      if (evaluator.kind === 'rule') {
        out(`no risk model loads (${evaluator.error}); the Advisor band + placement score rule answers`);
        return;
      }
      await labelAssessments(db, systemClock);
      const report = evaluateModel(evaluator.model.ensemble, await labelledHistory(db));
      out(
        `risk model ${evaluator.version}${evaluator.replacing ? ` (standing in for ${evaluator.replacing.version})` : ''}`,
      );
      const tables = [report.shockWorld, ...('scorers' in report.history ? [report.history] : [])];
      for (const t of tables) {
        out('');
        out(`${t.dataset}: ${t.rows} rows, ${t.positives} positive`);
        for (const line of renderTable(t).split('\n')) out(line);
        out(`best PR-AUC: ${SCORER_LABELS[t.best.prAuc]}; best Brier: ${SCORER_LABELS[t.best.brier]}`);
        out('reliability of the model:');
        for (const line of renderReliability(t).split('\n')) out(line);
      }
      if (!('scorers' in report.history)) {
        out('');
        out(
          `the bot's own history: ${report.history.rows} labelled assessments, ${report.history.positives} positive: ${report.history.note}`,
        );
      }
      return;
    }
    case 'activate': {
      if (arg === undefined) throw new UserError(MODEL_USAGE);
      const m = await activateModel(db, arg);
      out(`risk model ${m.version} is active${m.fallback ? ' (TypeScript fallback forced)' : ''}`);
      return;
    }
    case 'fallback': {
      if (arg === undefined) {
        const m = await activeModel(db);
        out(`fallback is ${m?.fallback ? 'on' : 'off'} for risk model ${m?.version ?? '(none active)'}`);
        return;
      }
      if (arg !== 'on' && arg !== 'off') throw new UserError(MODEL_USAGE);
      const m = await setFallback(db, arg === 'on');
      out(
        `fallback ${arg} for risk model ${m.version}: ${m.fallback ? 'the TypeScript evaluator answers' : 'onnxruntime answers when it loads'}`,
      );
      return;
    }
    default:
      throw new UserError(MODEL_USAGE);
  }
}
