// A small histogram gradient-boosted tree trainer (logistic loss), deterministic: no
// randomness at all, so the same rows give the same trees. Thresholds are float32 values taken
// from the data and leaf values are rounded to float32 before they update the predictions, so
// the trained model is exactly what the ONNX file and the TS evaluator compute.
import type { Tree, TreeEnsemble, TreeNode } from './trees.js';

export interface GbdtConfig {
  trees: number;
  maxDepth: number;
  learningRate: number;
  maxBins: number;
  minSamplesLeaf: number;
  /** Minimum sum of hessians in a child. */
  minChildWeight: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
}

export const DEFAULT_GBDT: GbdtConfig = {
  trees: 80,
  maxDepth: 4,
  learningRate: 0.1,
  maxBins: 32,
  minSamplesLeaf: 40,
  minChildWeight: 1e-3,
  lambda: 1,
};

const f32 = Math.fround;

/** Bin edges of one feature: float32 values; bin k holds x <= edges[k] (and > edges[k-1]). */
export function binEdges(column: Float32Array, maxBins: number): Float32Array {
  const sorted = Float32Array.from(column).sort();
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  let edges: number[];
  if (distinct.length <= maxBins) edges = distinct.slice(0, -1);
  else {
    const picked = new Set<number>();
    for (let k = 1; k < maxBins; k++) picked.add(sorted[Math.floor((k * sorted.length) / maxBins)]!);
    edges = [...picked].sort((a, b) => a - b).filter((v) => v < distinct[distinct.length - 1]!);
  }
  return Float32Array.from(edges);
}

function binOf(edges: Float32Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function trainGbdt(
  x: Float32Array,
  y: Uint8Array,
  featureCount: number,
  config: GbdtConfig = DEFAULT_GBDT,
): TreeEnsemble {
  const n = y.length;
  if (x.length !== n * featureCount) throw new Error('training matrix and labels disagree in length');
  const edges: Float32Array[] = [];
  const bins: Uint8Array[] = [];
  for (let f = 0; f < featureCount; f++) {
    const col = new Float32Array(n);
    for (let i = 0; i < n; i++) col[i] = x[i * featureCount + f]!;
    const e = binEdges(col, config.maxBins);
    edges.push(e);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = binOf(e, col[i]!);
    bins.push(b);
  }

  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  const prior = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
  const baseScore = f32(Math.log(prior / (1 - prior)));
  const score = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[] = [];
  const all = new Uint32Array(n).map((_, i) => i);

  for (let t = 0; t < config.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-score[i]!));
      grad[i] = p - y[i]!;
      hess[i] = Math.max(p * (1 - p), 1e-12);
    }
    const tree: TreeNode[] = [];
    grow(tree, all, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) {
      let node = tree[0]!;
      while (!node.leaf) node = tree[bins[node.feature]![i]! <= splitBin(node) ? node.left : node.right]!;
      score[i] = f32(score[i]! + node.value);
    }
  }
  return { featureCount, baseScore, trees };

  // Branch nodes remember the bin they split at, so training can route rows by bin index.
  function splitBin(node: TreeNode): number {
    return (node as TreeNode & { bin: number }).bin;
  }

  function grow(tree: TreeNode[], rows: Uint32Array, depth: number): number {
    const id = tree.length;
    let g = 0;
    let h = 0;
    for (const i of rows) {
      g += grad[i]!;
      h += hess[i]!;
    }
    const leaf = (): number => {
      tree[id] = {
        leaf: true,
        feature: 0,
        threshold: 0,
        left: 0,
        right: 0,
        value: f32((-g / (h + config.lambda)) * config.learningRate),
      };
      return id;
    };
    tree.push(undefined as unknown as TreeNode);
    if (depth >= config.maxDepth || rows.length < 2 * config.minSamplesLeaf) return leaf();

    const parentGain = (g * g) / (h + config.lambda);
    let best = { gain: 1e-9, feature: -1, bin: -1 };
    for (let f = 0; f < featureCount; f++) {
      const nb = edges[f]!.length + 1;
      if (nb < 2) continue;
      const hg = new Float64Array(nb);
      const hh = new Float64Array(nb);
      const hc = new Uint32Array(nb);
      const fb = bins[f]!;
      for (const i of rows) {
        const b = fb[i]!;
        hg[b]! += grad[i]!;
        hh[b]! += hess[i]!;
        hc[b]!++;
      }
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += hg[b]!;
        hl += hh[b]!;
        cl += hc[b]!;
        const cr = rows.length - cl;
        const hr = h - hl;
        if (cl < config.minSamplesLeaf || cr < config.minSamplesLeaf) continue;
        if (hl < config.minChildWeight || hr < config.minChildWeight) continue;
        const gr = g - gl;
        const gain = (gl * gl) / (hl + config.lambda) + (gr * gr) / (hr + config.lambda) - parentGain;
        if (gain > best.gain) best = { gain, feature: f, bin: b };
      }
    }
    if (best.feature < 0) return leaf();

    const fb = bins[best.feature]!;
    let leftCount = 0;
    for (const i of rows) if (fb[i]! <= best.bin) leftCount++;
    const leftRows = new Uint32Array(leftCount);
    const rightRows = new Uint32Array(rows.length - leftCount);
    let li = 0;
    let ri = 0;
    for (const i of rows) {
      if (fb[i]! <= best.bin) leftRows[li++] = i;
      else rightRows[ri++] = i;
    }
    const node = {
      leaf: false,
      feature: best.feature,
      threshold: edges[best.feature]![best.bin]!,
      left: 0,
      right: 0,
      value: 0,
      bin: best.bin,
    };
    tree[id] = node;
    node.left = grow(tree, leftRows, depth + 1);
    node.right = grow(tree, rightRows, depth + 1);
    return id;
  }
}

/** Drops the training-only `bin` field, leaving plain TreeNodes (as written to ONNX). */
export function stripBins(model: TreeEnsemble): TreeEnsemble {
  return {
    ...model,
    trees: model.trees.map((tree) =>
      tree.map(({ leaf, feature, threshold, left, right, value }) => ({
        leaf,
        feature,
        threshold,
        left,
        right,
        value,
      })),
    ),
  };
}
