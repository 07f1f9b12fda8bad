// ONNX encoding of the risk model: writes a tree ensemble as ai.onnx.ml TreeEnsembleRegressor
// (opset 3) + Sigmoid (opset 17), tensor outputs only, and reads the trees back from such a file
// for the TypeScript evaluator. Field numbers are those of onnx.proto (IR version 8).
import {
  decodeFloats,
  decodeInts,
  decodeString,
  type ProtoValue,
  ProtoWriter,
  readMessage,
} from './protobuf.js';
import type { Tree, TreeEnsemble } from './trees.js';

export const IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ML_OPSET = 3;
export const INPUT_NAME = 'features';
export const OUTPUT_NAME = 'probability';
export const LOGIT_NAME = 'logit';

// onnx.proto enums
const FLOAT = 1; // TensorProto.DataType
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;

export interface OnnxModelInfo {
  /** Written to ModelProto.doc_string. */
  description: string;
  /** Key/values written to ModelProto.metadata_props. */
  metadata: Record<string, string>;
  /** producer_version. */
  version: string;
}

/** Flattened ONNX attribute arrays; each tree's nodes contiguous, root first, ids local to the tree. */
function flatten(model: TreeEnsemble) {
  const a = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    values: [] as number[],
    modes: [] as string[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    targetTreeIds: [] as number[],
    targetNodeIds: [] as number[],
    targetWeights: [] as number[],
  };
  model.trees.forEach((tree, t) => {
    tree.forEach((node, id) => {
      a.treeIds.push(t);
      a.nodeIds.push(id);
      a.featureIds.push(node.leaf ? 0 : node.feature);
      a.values.push(node.leaf ? 0 : node.threshold);
      a.modes.push(node.leaf ? 'LEAF' : 'BRANCH_LEQ');
      a.trueIds.push(node.leaf ? 0 : node.left);
      a.falseIds.push(node.leaf ? 0 : node.right);
      if (node.leaf) {
        a.targetTreeIds.push(t);
        a.targetNodeIds.push(id);
        a.targetWeights.push(node.value);
      }
    });
  });
  return a;
}

function attr(w: ProtoWriter, name: string, type: number, fill: (a: ProtoWriter) => void): void {
  w.message(5, (a) => {
    a.string(1, name);
    fill(a);
    a.int(20, type);
  });
}

function floatTensorType(w: ProtoWriter, dims: (number | string)[]): void {
  // TypeProto.tensor_type { elem_type, shape { dim { dim_value | dim_param } } }
  w.message(1, (t) => {
    t.int(1, FLOAT);
    t.message(2, (shape) => {
      for (const d of dims) {
        shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      }
    });
  });
}

/** The ONNX bytes of a model; byte-identical for identical input. */
export function encodeOnnx(model: TreeEnsemble, info: OnnxModelInfo): Uint8Array {
  const f = flatten(model);
  const w = new ProtoWriter();
  w.int(1, IR_VERSION); // ir_version
  w.string(2, 'spotops'); // producer_name
  w.string(3, info.version); // producer_version
  w.string(4, 'dev.spotops'); // domain
  w.int(5, 1); // model_version
  w.string(6, info.description); // doc_string
  w.message(7, (g) => {
    // GraphProto
    g.message(1, (n) => {
      n.string(1, INPUT_NAME);
      n.string(2, LOGIT_NAME);
      n.string(3, 'risk_trees');
      n.string(4, 'TreeEnsembleRegressor');
      n.string(7, 'ai.onnx.ml');
      attr(n, 'n_targets', ATTR_INT, (a) => a.int(3, 1));
      attr(n, 'aggregate_function', ATTR_STRING, (a) => a.string(4, 'SUM'));
      attr(n, 'post_transform', ATTR_STRING, (a) => a.string(4, 'NONE'));
      attr(n, 'base_values', ATTR_FLOATS, (a) => a.packedFloats(7, [model.baseScore]));
      attr(n, 'nodes_treeids', ATTR_INTS, (a) => a.packedInts(8, f.treeIds));
      attr(n, 'nodes_nodeids', ATTR_INTS, (a) => a.packedInts(8, f.nodeIds));
      attr(n, 'nodes_featureids', ATTR_INTS, (a) => a.packedInts(8, f.featureIds));
      attr(n, 'nodes_values', ATTR_FLOATS, (a) => a.packedFloats(7, f.values));
      attr(n, 'nodes_modes', ATTR_STRINGS, (a) => {
        for (const m of f.modes) a.string(9, m);
      });
      attr(n, 'nodes_truenodeids', ATTR_INTS, (a) => a.packedInts(8, f.trueIds));
      attr(n, 'nodes_falsenodeids', ATTR_INTS, (a) => a.packedInts(8, f.falseIds));
      attr(n, 'target_treeids', ATTR_INTS, (a) => a.packedInts(8, f.targetTreeIds));
      attr(n, 'target_nodeids', ATTR_INTS, (a) => a.packedInts(8, f.targetNodeIds));
      attr(n, 'target_ids', ATTR_INTS, (a) =>
        a.packedInts(
          8,
          f.targetTreeIds.map(() => 0),
        ),
      );
      attr(n, 'target_weights', ATTR_FLOATS, (a) => a.packedFloats(7, f.targetWeights));
    });
    g.message(1, (n) => {
      n.string(1, LOGIT_NAME);
      n.string(2, OUTPUT_NAME);
      n.string(3, 'to_probability');
      n.string(4, 'Sigmoid');
    });
    g.string(2, 'spotops_risk');
    g.message(11, (v) => {
      v.string(1, INPUT_NAME);
      v.message(2, (t) => floatTensorType(t, ['N', model.featureCount]));
    });
    g.message(12, (v) => {
      v.string(1, OUTPUT_NAME);
      v.message(2, (t) => floatTensorType(t, ['N', 1]));
    });
  });
  w.message(8, (o) => o.string(1, '').int(2, ONNX_OPSET)); // opset_import
  w.message(8, (o) => o.string(1, 'ai.onnx.ml').int(2, ML_OPSET));
  for (const [key, value] of Object.entries(info.metadata)) {
    w.message(14, (p) => p.string(1, key).string(2, value));
  }
  return w.finish();
}

export interface DecodedOnnx {
  ensemble: TreeEnsemble;
  metadata: Record<string, string>;
  producerVersion: string;
  /** Graph input and output names (the registry checks them). */
  inputName: string;
  outputName: string;
}

/** Reads the trees (and metadata) back from an ONNX file written by encodeOnnx. */
export function decodeOnnx(bytes: Uint8Array): DecodedOnnx {
  const model = readMessage(bytes);
  const metadata: Record<string, string> = {};
  for (const p of model.get(14) ?? []) {
    const kv = readMessage(p as Uint8Array);
    metadata[decodeString(kv.get(1)?.[0])] = decodeString(kv.get(2)?.[0]);
  }
  const graphBytes = model.get(7)?.[0];
  if (!(graphBytes instanceof Uint8Array)) throw new Error('ONNX file has no graph');
  const graph = readMessage(graphBytes);
  const nodes = (graph.get(1) ?? []).map((n) => readMessage(n as Uint8Array));
  const treeNode = nodes.find((n) => decodeString(n.get(4)?.[0]) === 'TreeEnsembleRegressor');
  if (!treeNode) throw new Error('ONNX graph has no TreeEnsembleRegressor');
  if (!nodes.some((n) => decodeString(n.get(4)?.[0]) === 'Sigmoid')) {
    throw new Error('ONNX graph has no Sigmoid after the trees');
  }
  const attrs = new Map<string, Map<number, ProtoValue[]>>();
  for (const a of treeNode.get(5) ?? []) {
    const m = readMessage(a as Uint8Array);
    attrs.set(decodeString(m.get(1)?.[0]), m);
  }
  const ints = (name: string) => decodeInts(attrs.get(name)?.get(8));
  const floats = (name: string) => decodeFloats(attrs.get(name)?.get(7));
  const strings = (name: string) => (attrs.get(name)?.get(9) ?? []).map((s) => decodeString(s));
  for (const [name, expected] of [
    ['aggregate_function', 'SUM'],
    ['post_transform', 'NONE'],
  ] as const) {
    const got = decodeString(attrs.get(name)?.get(4)?.[0]) || expected;
    if (got !== expected) throw new Error(`ONNX trees use ${name}=${got}; only ${expected} is supported`);
  }

  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const values = floats('nodes_values');
  const modes = strings('nodes_modes');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const trees: Tree[] = [];
  for (let i = 0; i < treeIds.length; i++) {
    const t = treeIds[i]!;
    const mode = modes[i];
    if (mode !== 'LEAF' && mode !== 'BRANCH_LEQ') throw new Error(`ONNX node mode ${mode} is not supported`);
    trees[t] ??= [];
    trees[t][nodeIds[i]!] = {
      leaf: mode === 'LEAF',
      feature: featureIds[i]!,
      threshold: values[i]!,
      left: trueIds[i]!,
      right: falseIds[i]!,
      value: 0,
    };
  }
  const targetTrees = ints('target_treeids');
  const targetNodes = ints('target_nodeids');
  const weights = floats('target_weights');
  for (let i = 0; i < targetTrees.length; i++) {
    const node = trees[targetTrees[i]!]?.[targetNodes[i]!];
    if (!node) throw new Error(`ONNX target weight for a missing node ${targetTrees[i]}/${targetNodes[i]}`);
    node.value = Math.fround(node.value + weights[i]!);
  }
  const input = readMessage((graph.get(11)?.[0] as Uint8Array) ?? new Uint8Array());
  const featureCount = inputWidth(input.get(2)?.[0]);
  const output = readMessage((graph.get(12)?.[0] as Uint8Array) ?? new Uint8Array());
  return {
    ensemble: { featureCount, baseScore: floats('base_values')[0] ?? 0, trees },
    metadata,
    producerVersion: decodeString(model.get(3)?.[0]),
    inputName: decodeString(input.get(1)?.[0]),
    outputName: decodeString(output.get(1)?.[0]),
  };
}

/** The second dimension of a [N, F] float tensor type. */
function inputWidth(typeBytes: unknown): number {
  if (!(typeBytes instanceof Uint8Array)) throw new Error('ONNX input has no type');
  const tensor = readMessage(readMessage(typeBytes).get(1)?.[0] as Uint8Array);
  const dims = (readMessage(tensor.get(2)?.[0] as Uint8Array).get(1) ?? []).map((d) =>
    readMessage(d as Uint8Array),
  );
  const width = dims[1]?.get(1)?.[0];
  if (typeof width !== 'number') throw new Error('ONNX input has no fixed feature width');
  return width;
}
