// Scoring with the committed ONNX model. onnxruntime-node is imported lazily: when its native
// binding cannot load (or a session cannot be created, or a run fails), the TypeScript
// evaluator of the same trees, read from the same file, answers instead. Every result says
// which engine answered.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-node';
import { describeError } from '../../lib/errors.js';
import { FEATURE_COUNT } from '../features.js';
import { modelPath } from './files.js';
import { decodeOnnx, INPUT_NAME, OUTPUT_NAME } from './onnx.js';
import { evaluateEnsemble, type TreeEnsemble } from './trees.js';

export type RiskEngine = 'onnxruntime' | 'typescript';
export type RiskBand = 'LOW' | 'MEDIUM' | 'HIGH';

/** LOW below 0.2, MEDIUM from 0.2 to 0.5, HIGH above 0.5. */
export function riskLevelOf(score: number): RiskBand {
  if (score > 0.5) return 'HIGH';
  if (score >= 0.2) return 'MEDIUM';
  return 'LOW';
}

export type OrtModule = typeof Ort;
export type OrtLoader = () => Promise<OrtModule>;

const importOrt: OrtLoader = () => import('onnxruntime-node');

export interface ScoreResult {
  scores: Float32Array;
  engine: RiskEngine;
}

export interface LoadOptions {
  /** Defaults to the committed model of `version`. */
  path?: string;
  /** Used to find the committed file when no path is given. */
  version?: string;
  /** When given, the file must hash to this (the registry's record). */
  expectedSha256?: string;
  /** Seam for tests: how onnxruntime-node is imported. */
  loadOrt?: OrtLoader;
  /**
   * onnxruntime intra-op threads. Default 1: the bot shares its CPUs with Slack and workers, and
   * on 2 busy vCPUs one thread scored 10,000 pools in ~10 ms median against ~25 ms (with a long
   * tail) for the default pool; idle, the default pool is a few ms faster.
   */
  intraOpNumThreads?: number;
}

export class RiskModel {
  readonly #session: Ort.InferenceSession | undefined;
  readonly #ort: OrtModule | undefined;
  /** Why onnxruntime is not in use (load or run failure), if it is not. */
  ortError: string | undefined;

  private constructor(
    readonly version: string,
    readonly sha256: string,
    readonly ensemble: TreeEnsemble,
    ort: { module: OrtModule; session: Ort.InferenceSession } | { error: string },
  ) {
    if ('error' in ort) this.ortError = ort.error;
    else {
      this.#ort = ort.module;
      this.#session = ort.session;
    }
  }

  static async load(options: LoadOptions): Promise<RiskModel> {
    const path = options.path ?? modelPath(options.version ?? '');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (cause) {
      throw new Error(`reading the risk model ${path}`, { cause });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (options.expectedSha256 && options.expectedSha256 !== sha256) {
      throw new Error(
        `risk model ${path} has sha256 ${sha256}, the registry expects ${options.expectedSha256}`,
      );
    }
    const decoded = decodeOnnx(bytes);
    if (decoded.ensemble.featureCount !== FEATURE_COUNT) {
      throw new Error(
        `risk model ${path} takes ${decoded.ensemble.featureCount} features, this code makes ${FEATURE_COUNT}`,
      );
    }
    const version = decoded.metadata.version ?? decoded.producerVersion;
    let ort: { module: OrtModule; session: Ort.InferenceSession } | { error: string };
    try {
      const module = await (options.loadOrt ?? importOrt)();
      ort = {
        module,
        session: await module.InferenceSession.create(bytes, {
          intraOpNumThreads: options.intraOpNumThreads ?? 1,
        }),
      };
    } catch (err) {
      ort = { error: `onnxruntime-node unavailable: ${describeError(err)}` };
    }
    return new RiskModel(version, sha256, decoded.ensemble, ort);
  }

  /** Which engine answers when not told to use the TypeScript evaluator. */
  get preferredEngine(): RiskEngine {
    return this.#session ? 'onnxruntime' : 'typescript';
  }

  /** Probabilities for a row-major float32 matrix of `rows` x FEATURE_COUNT. */
  async score(x: Float32Array, rows: number, options: { fallback?: boolean } = {}): Promise<ScoreResult> {
    if (x.length !== rows * FEATURE_COUNT) {
      throw new Error(`scoring ${rows} pools needs ${rows * FEATURE_COUNT} feature values, got ${x.length}`);
    }
    if (rows === 0)
      return { scores: new Float32Array(0), engine: options.fallback ? 'typescript' : this.preferredEngine };
    if (!options.fallback && this.#session && this.#ort) {
      try {
        const input = new this.#ort.Tensor('float32', x, [rows, FEATURE_COUNT]);
        const output = await this.#session.run({ [INPUT_NAME]: input });
        const data = output[OUTPUT_NAME]?.data;
        if (!(data instanceof Float32Array) || data.length !== rows) {
          throw new Error(`unexpected ${OUTPUT_NAME} output`);
        }
        return { scores: data, engine: 'onnxruntime' };
      } catch (err) {
        this.ortError = `onnxruntime run failed: ${describeError(err)}`;
      }
    }
    return { scores: this.scoreTypescript(x, rows), engine: 'typescript' };
  }

  /** The TypeScript evaluator, synchronous. */
  scoreTypescript(x: Float32Array, rows: number): Float32Array {
    return evaluateEnsemble(this.ensemble, x, rows);
  }

  async close(): Promise<void> {
    await this.#session?.release();
  }
}
