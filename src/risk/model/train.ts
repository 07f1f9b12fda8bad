// Trains the Spot interruption-risk model from committed inputs (Spot Advisor snapshot + a real
// Spot price sample) or from the bot's labelled history when there is enough, calibrates it
// (Platt, held-out split), evaluates it against the baselines on held-out rows and on an
// independent simulation, and produces the ONNX bytes and the model card. Deterministic: same
// inputs + seed + config = same bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADVISOR_SNAPSHOT_FILE, type AdvisorSnapshot, SpotAdvisor } from '../advisor.js';
import { riskAssetPath } from '../assets.js';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_UNITS } from '../features.js';
import {
  buildScorers,
  type EvaluationTable,
  evaluateScorers,
  type LabelledRows,
  renderReliability,
  renderTable,
  SCORER_LABELS,
} from './evaluation.js';
import { COMMITTED_MODEL_VERSION, modelFileName } from './files.js';
import { DEFAULT_GBDT, type GbdtConfig, stripBins, trainGbdt } from './gbdt.js';
import { fitPlatt } from './metrics.js';
import { encodeOnnx, INPUT_NAME, IR_VERSION, ML_OPSET, ONNX_OPSET, OUTPUT_NAME } from './onnx.js';
import { Prng } from './prng.js';
import { LABEL_HORIZON_HOURS, priceContexts, type SpotPriceHistory, simulateRows } from './simulate.js';
import { simulateShockRows } from './simulate-shock.js';
import { ensembleLogit, evaluateEnsemble, type TreeEnsemble } from './trees.js';

export const PRICE_SAMPLE_FILE = 'data/ec2-DescribeSpotPriceHistory.m5.large.us-east-1.2021-01.json';

export interface TrainOptions {
  version: string;
  seed: number;
  rows: number;
  /** Fraction of rows held out for evaluation (the last rows drawn). */
  holdout: number;
  gbdt: GbdtConfig;
}

/** The configuration of the committed model; `spotops train-model` uses it unless told otherwise. */
export const COMMITTED_TRAINING: TrainOptions = {
  version: COMMITTED_MODEL_VERSION,
  seed: 20251124,
  rows: 40_000,
  holdout: 0.25,
  gbdt: DEFAULT_GBDT,
};

export interface ModelCard {
  version: string;
  file: string;
  sha256: string;
  engine: { irVersion: number; opsets: Record<string, number>; input: string; output: string };
  features: { name: string; unit: string }[];
  /** sha256 of the feature names in order: a registered model must match the code's. */
  featureSchemaSha256: string;
  label: string;
  training: {
    source: 'simulation' | 'history';
    seed: number;
    rows: number;
    calibrationRows: number;
    heldOutRows: number;
    inputs: { file: string; sha256: string }[];
    /** sha256 over the input files' hashes, in the order listed. */
    dataSha256: string;
    config: GbdtConfig;
    /** Platt scaling fitted on the calibration split and folded into the trees: p = sigmoid(a z + b). */
    calibration: { method: 'platt'; a: number; b: number };
  };
  evaluation: {
    sameGenerator: EvaluationTable;
    shockWorld: EvaluationTable & { seed: number };
  };
  /** Which evaluator decides the risk level on cards, and why. */
  decision: { evaluator: 'rule' | 'model'; why: string };
  realInterruptionEvents: { labelledAssessments: number; positives: number; note: string };
}

export interface TrainedModel {
  ensemble: TreeEnsemble;
  onnx: Uint8Array;
  card: ModelCard;
  markdown: string;
}

/** Labelled assessments of the bot's own history needed before the model may train on or decide from them. */
export const MIN_HISTORY = { rows: 500, positives: 25 } as const;
/** Seed offset of the independent shock world (a different stream from the training draw). */
const SHOCK_SEED_OFFSET = 7919;
const SHOCK_ROWS = 20_000;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const f32 = Math.fround;

export const featureSchemaSha256 = () => sha256(FEATURE_NAMES.join(','));

/** Folds Platt scaling into the ensemble: every leaf x a, base x a + b (float32, as ONNX stores them). */
export function foldPlatt(model: TreeEnsemble, a: number, b: number): TreeEnsemble {
  return {
    ...model,
    baseScore: f32(model.baseScore * a + b),
    trees: model.trees.map((tree) =>
      tree.map((n) => (n.leaf ? { ...n, value: f32(n.value * a) } : { ...n })),
    ),
  };
}

const slice = (d: LabelledRows, from: number, to: number): LabelledRows => ({
  x: d.x.subarray(from * FEATURE_COUNT, to * FEATURE_COUNT),
  y: d.y.subarray(from, to),
  rows: to - from,
  ...(d.truth ? { truth: d.truth.subarray(from, to) } : {}),
});

export function hasEnoughHistory(history: LabelledRows | undefined): history is LabelledRows {
  if (!history) return false;
  let positives = 0;
  for (const v of history.y) positives += v;
  return history.rows >= MIN_HISTORY.rows && positives >= MIN_HISTORY.positives;
}

/**
 * Trains on the training generator's rows (or, with enough of it, on the bot's labelled
 * history), calibrates on a held-out split, and evaluates against the baselines on the
 * training generator's held-out rows and on the independent shock world.
 */
export function trainRiskModel(
  options: TrainOptions = COMMITTED_TRAINING,
  history?: LabelledRows,
): TrainedModel {
  const advisorBytes = readFileSync(riskAssetPath(ADVISOR_SNAPSHOT_FILE));
  const priceBytes = readFileSync(riskAssetPath(PRICE_SAMPLE_FILE));
  const advisor = new SpotAdvisor(JSON.parse(advisorBytes.toString('utf8')) as AdvisorSnapshot);
  const contexts = priceContexts(JSON.parse(priceBytes.toString('utf8')) as SpotPriceHistory);

  const useHistory = hasEnoughHistory(history);
  const data: LabelledRows = useHistory
    ? history
    : simulateRows(new Prng(options.seed), advisor, contexts, options.rows);
  const trainRows = Math.round(data.rows * (1 - options.holdout));
  const calRows = Math.round((data.rows - trainRows) / 2);
  const train = slice(data, 0, trainRows);
  const calibration = slice(data, trainRows, trainRows + calRows);
  const heldOut = slice(data, trainRows + calRows, data.rows);

  const raw = stripBins(trainGbdt(train.x, train.y, FEATURE_COUNT, options.gbdt));
  const logits = Float64Array.from({ length: calibration.rows }, (_, i) =>
    ensembleLogit(raw, calibration.x, i * FEATURE_COUNT),
  );
  const platt = fitPlatt(logits, calibration.y);
  const ensemble = foldPlatt(raw, platt.a, platt.b);
  const modelProbabilities = (d: LabelledRows) => Float64Array.from(evaluateEnsemble(ensemble, d.x, d.rows));

  const scorers = buildScorers(calibration, modelProbabilities);
  const sameGenerator = evaluateScorers(
    useHistory ? "the bot's own history (held out)" : 'training generator, held-out rows',
    scorers,
    heldOut,
  );
  const shockSeed = options.seed + SHOCK_SEED_OFFSET;
  const shock = simulateShockRows(new Prng(shockSeed), advisor, contexts, SHOCK_ROWS);
  const shockWorld = {
    ...evaluateScorers('independent shock world (not the training generator)', scorers, shock),
    seed: shockSeed,
  };

  const inputs = [
    { file: `src/risk/${ADVISOR_SNAPSHOT_FILE}`, sha256: sha256(advisorBytes) },
    { file: `src/risk/${PRICE_SAMPLE_FILE}`, sha256: sha256(priceBytes) },
  ];
  const dataSha256 = sha256(inputs.map((i) => i.sha256).join('\n'));
  const onnx = encodeOnnx(ensemble, {
    version: options.version,
    description: `spotops Spot interruption risk: P(the pool is interrupted within 7 days), calibrated (Platt); labels ${useHistory ? "from the bot's own history" : 'simulated'}`,
    metadata: {
      version: options.version,
      feature_names: FEATURE_NAMES.join(','),
      feature_schema_sha256: featureSchemaSha256(),
      label_horizon_hours: String(LABEL_HORIZON_HOURS),
      seed: String(options.seed),
      training_data_sha256: dataSha256,
    },
  });
  const labelled = history?.rows ?? 0;
  let historyPositives = 0;
  for (const v of history?.y ?? []) historyPositives += v;
  const card: ModelCard = {
    version: options.version,
    file: modelFileName(options.version),
    sha256: sha256(onnx),
    engine: {
      irVersion: IR_VERSION,
      opsets: { 'ai.onnx': ONNX_OPSET, 'ai.onnx.ml': ML_OPSET },
      input: `${INPUT_NAME}: float32[N, ${FEATURE_COUNT}]`,
      output: `${OUTPUT_NAME}: float32[N, 1]`,
    },
    features: FEATURE_NAMES.map((name) => ({ name, unit: FEATURE_UNITS[name] })),
    featureSchemaSha256: featureSchemaSha256(),
    label: useHistory
      ? "real: an interruption warning in the pool within 7 days of the assessment (the bot's pool_events)"
      : 'simulated: the pool is interrupted within the next 7 days',
    training: {
      source: useHistory ? 'history' : 'simulation',
      seed: options.seed,
      rows: train.rows,
      calibrationRows: calibration.rows,
      heldOutRows: heldOut.rows,
      inputs,
      dataSha256,
      config: options.gbdt,
      calibration: {
        method: 'platt',
        a: Math.round(platt.a * 1e6) / 1e6,
        b: Math.round(platt.b * 1e6) / 1e6,
      },
    },
    evaluation: { sameGenerator, shockWorld },
    decision: decisionFor(useHistory, sameGenerator),
    realInterruptionEvents: {
      labelledAssessments: labelled,
      positives: historyPositives,
      note:
        labelled === 0
          ? 'The bot has no labelled assessments yet: no metric here is measured on real interruptions.'
          : `${labelled} labelled assessments (${historyPositives} interrupted within 7 days); ${useHistory ? 'the model was trained and evaluated on them' : `fewer than ${MIN_HISTORY.rows} rows / ${MIN_HISTORY.positives} positives: not enough to train on`}.`,
    },
  };
  return { ensemble, onnx, card, markdown: renderModelCard(card) };
}

/** The model decides only when it was trained on real history and beats the rule there. */
export function decisionFor(useHistory: boolean, table: EvaluationTable): ModelCard['decision'] {
  if (!useHistory) {
    return {
      evaluator: 'rule',
      why: 'With no labelled history of its own, the Advisor band + placement score rule decides the risk level; the model score is shown beside it for comparison.',
    };
  }
  const model = table.scorers.find((s) => s.name === 'model')!;
  const rule = table.scorers.find((s) => s.name === 'rule')!;
  return model.prAuc > rule.prAuc && model.brier <= rule.brier
    ? {
        evaluator: 'model',
        why: 'On held-out real history the model beats the rule on PR-AUC and Brier score.',
      }
    : {
        evaluator: 'rule',
        why: 'On held-out real history the model does not beat the rule on both PR-AUC and Brier score.',
      };
}

const winnerText = (t: EvaluationTable) =>
  `Best PR-AUC: ${SCORER_LABELS[t.best.prAuc]}; best Brier score: ${SCORER_LABELS[t.best.brier]}.`;

export function renderModelCard(card: ModelCard): string {
  const { sameGenerator, shockWorld } = card.evaluation;
  const cfg = card.training.config;
  const simulated = card.training.source === 'simulation';
  return `# Model card: spotops Spot interruption risk ${card.version}

Generated by \`spotops train-model\` (src/risk/model/train.ts). Do not edit by hand: retrain instead.

## Who decides today

**${card.decision.evaluator === 'rule' ? 'The Advisor band + placement score rule decides' : 'The model decides'}.** ${card.decision.why}
Real labelled assessments: ${card.realInterruptionEvents.labelledAssessments}. ${card.realInterruptionEvents.note}

## What it predicts

The probability that a Spot pool (region + availability zone + instance type) is **interrupted within 7 days**
(the decision's horizon: the same label \`risk_assessments\` get later from the bot's own \`pool_events\`), from
${card.features.length} features the bot serves. Scores are calibrated (Platt scaling on a held-out split, folded into
the trees: a = ${card.training.calibration.a}, b = ${card.training.calibration.b}). LOW < 0.2 <= MEDIUM <= 0.5 < HIGH; a poisoned
pool is HIGH whatever the score.

## How the labels were made

${
  simulated
    ? `Training labels are **simulated** (src/risk/model/simulate.ts): pools from the shipped Spot Advisor snapshot, real
moments of a real Spot price series (m5.large, us-east-1, 2021), a random "stress" shared out among price ratio,
trend, volatility, placement score (missing in 30% of rows) and counts of recent interruptions and rebalances; the label
is drawn from an hourly hazard that is a formula of those features (base = the band's monthly rate over 730 h). No
clock features: nothing shows yet that hour or weekday matter.

Because that formula is also what the trees learn, the first table below mostly measures how well trees copy it. The
second table is the honest one: an **independent shock world** (src/risk/model/simulate-shock.ts) with capacity shocks
per AZ, true pool rates that differ from their Advisor band, noisy placement scores and labels drawn from the future
hazard, not from the features.`
    : 'Training labels are **real**: each assessment the bot made, joined to whether an interruption warning arrived in that pool within 7 days.'
}

## Features (input \`${card.engine.input}\`, this order)

${card.features.map((f, i) => `${i}. \`${f.name}\`: ${f.unit}`).join('\n')}

Feature schema sha256: \`${card.featureSchemaSha256}\` (checked by \`spotops model register\`).

## Metrics

Every scorer is made a probability (baselines: the positive rate of each of their values) and given its positive-F1
threshold on the calibration split of the training data, then measured on rows it did not see.

### ${sameGenerator.dataset}: ${sameGenerator.rows} rows, ${sameGenerator.positives} positive

${renderTable(sameGenerator)}

${winnerText(sameGenerator)}

### ${shockWorld.dataset}: ${shockWorld.rows} rows, ${shockWorld.positives} positive (seed ${shockWorld.seed})

${renderTable(shockWorld)}

${winnerText(shockWorld)}

Reliability of the model in the shock world (is "27%" about 27%?):

${renderReliability(shockWorld)}

## Model

Histogram gradient-boosted trees, logistic loss: ${cfg.trees} trees, depth <= ${cfg.maxDepth}, learning rate
${cfg.learningRate}, <= ${cfg.maxBins} bins per feature, >= ${cfg.minSamplesLeaf} rows per leaf, L2 ${cfg.lambda}.
Exported as ONNX IR ${card.engine.irVersion}: \`ai.onnx.ml\` TreeEnsembleRegressor (opset ${card.engine.opsets['ai.onnx.ml']}) + Sigmoid
(\`ai.onnx\` opset ${card.engine.opsets['ai.onnx']}). The TypeScript evaluator reads the same trees from the same file.

- file: \`${card.file}\`
- sha256: \`${card.sha256}\`
- seed: ${card.training.seed}; training rows: ${card.training.rows}; calibration rows: ${card.training.calibrationRows}; held-out rows: ${card.training.heldOutRows}
- training data sha256: \`${card.training.dataSha256}\`
${card.training.inputs.map((i) => `  - \`${i.file}\`: \`${i.sha256}\``).join('\n')}

\`spotops model evaluate\` prints these tables again, plus the same comparison on the bot's own labelled history.
`;
}

export interface EvaluationReport {
  shockWorld: EvaluationTable & { seed: number };
  history: EvaluationTable | { rows: number; positives: number; note: string };
}

/**
 * `spotops model evaluate`: a model's trees against the baselines, every scorer calibrated and
 * thresholded on the committed training run's calibration split (regenerated from its seed),
 * measured on the independent shock world and on the bot's own labelled history.
 */
export function evaluateModel(
  ensemble: TreeEnsemble,
  history: LabelledRows,
  options: TrainOptions = COMMITTED_TRAINING,
): EvaluationReport {
  const advisor = new SpotAdvisor(
    JSON.parse(readFileSync(riskAssetPath(ADVISOR_SNAPSHOT_FILE), 'utf8')) as AdvisorSnapshot,
  );
  const contexts = priceContexts(
    JSON.parse(readFileSync(riskAssetPath(PRICE_SAMPLE_FILE), 'utf8')) as SpotPriceHistory,
  );
  const data = simulateRows(new Prng(options.seed), advisor, contexts, options.rows);
  const trainRows = Math.round(data.rows * (1 - options.holdout));
  const calRows = Math.round((data.rows - trainRows) / 2);
  const scorers = buildScorers(slice(data, trainRows, trainRows + calRows), (d) =>
    Float64Array.from(evaluateEnsemble(ensemble, d.x, d.rows)),
  );
  const shockSeed = options.seed + SHOCK_SEED_OFFSET;
  const shock = simulateShockRows(new Prng(shockSeed), advisor, contexts, SHOCK_ROWS);
  let positives = 0;
  for (const v of history.y) positives += v;
  return {
    shockWorld: {
      ...evaluateScorers('independent shock world (not the training generator)', scorers, shock),
      seed: shockSeed,
    },
    history:
      history.rows > 0 && positives > 0 && positives < history.rows
        ? evaluateScorers("the bot's own labelled history", scorers, history)
        : {
            rows: history.rows,
            positives,
            note:
              history.rows === 0
                ? 'no labelled assessments yet: the Advisor band + placement score rule decides'
                : 'history has only one class so far: PR-AUC and F1 are not defined; the Advisor band + placement score rule decides',
          },
  };
}
