// The tree ensemble as data, and the TypeScript evaluator that answers when onnxruntime cannot.
// It mirrors ONNX TreeEnsembleRegressor (BRANCH_LEQ, SUM) + Sigmoid in float32 arithmetic so
// that it takes the same branches as onnxruntime and agrees with it to 1e-6.

/** One node; leaves have `leaf: true` and a `value`, branches go left when x[feature] <= threshold. */
export interface TreeNode {
  leaf: boolean;
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
}

/** Nodes of one tree, root first; `left` / `right` index this array. */
export type Tree = TreeNode[];

export interface TreeEnsemble {
  featureCount: number;
  /** Added to the sum of the leaves (the prior log-odds). */
  baseScore: number;
  trees: Tree[];
}

const f32 = Math.fround;

/** Log-odds of one row (row-major `x`, starting at `offset`). */
export function ensembleLogit(model: TreeEnsemble, x: Float32Array, offset = 0): number {
  let sum = 0;
  for (const tree of model.trees) {
    let node = tree[0]!;
    while (!node.leaf) {
      // x and threshold are float32 already, so this is a float32 comparison.
      node = tree[x[offset + node.feature]! <= node.threshold ? node.left : node.right]!;
    }
    sum = f32(sum + node.value);
  }
  return f32(sum + model.baseScore);
}

export function sigmoid(z: number): number {
  return f32(1 / (1 + Math.exp(-z)));
}

/** Probabilities for `rows` rows of a row-major float32 matrix. */
export function evaluateEnsemble(model: TreeEnsemble, x: Float32Array, rows: number): Float32Array {
  if (x.length !== rows * model.featureCount) {
    throw new Error(`expected ${rows} x ${model.featureCount} features, got ${x.length} values`);
  }
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = sigmoid(ensembleLogit(model, x, r * model.featureCount));
  return out;
}
