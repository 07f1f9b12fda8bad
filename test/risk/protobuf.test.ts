import { describe, expect, it } from 'vitest';
import { decodeOnnx, encodeOnnx } from '../../src/risk/model/onnx.js';
import {
  decodeFloats,
  decodeInts,
  decodeString,
  ProtoWriter,
  readMessage,
} from '../../src/risk/model/protobuf.js';
import type { TreeEnsemble } from '../../src/risk/model/trees.js';

describe('protobuf writer', () => {
  it('encodes varints, strings and nested messages on the wire as protobuf does', () => {
    // field 1 varint 150 -> 08 96 01 (the protobuf documentation example)
    expect(Array.from(new ProtoWriter().int(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    // field 2 string "testing" -> 12 07 74 65 73 74 69 6e 67
    expect(Buffer.from(new ProtoWriter().string(2, 'testing').finish()).toString('hex')).toBe(
      '120774657374696e67',
    );
    // field 3 message { field 1 = 150 } -> 1a 03 08 96 01
    expect(Array.from(new ProtoWriter().message(3, (m) => m.int(1, 150)).finish())).toEqual([
      0x1a, 0x03, 0x08, 0x96, 0x01,
    ]);
  });

  it('reads back what it wrote, packed or not', () => {
    const bytes = new ProtoWriter()
      .int(1, 2 ** 40)
      .string(2, 'ai.onnx.ml')
      .float(3, 0.25)
      .float(3, 0.5)
      .packedFloats(4, [1.5, -2, Math.fround(0.1)])
      .packedInts(5, [0, 1, 300, 70_000])
      .int(5, 9)
      .finish();
    const m = readMessage(bytes);
    expect(m.get(1)).toEqual([2 ** 40]);
    expect(decodeString(m.get(2)?.[0])).toBe('ai.onnx.ml');
    expect(decodeFloats(m.get(3))).toEqual([0.25, 0.5]);
    expect(decodeFloats(m.get(4))).toEqual([1.5, -2, Math.fround(0.1)]);
    expect(decodeInts(m.get(5))).toEqual([0, 1, 300, 70_000, 9]);
  });

  it('refuses negative varints and truncated input', () => {
    expect(() => new ProtoWriter().int(1, -1)).toThrow(/non-negative/);
    expect(() => readMessage(Uint8Array.from([0x12, 0x05, 0x61]))).toThrow(/truncated/);
  });
});

describe('ONNX tree encoding', () => {
  const ensemble: TreeEnsemble = {
    featureCount: 2,
    baseScore: Math.fround(-1.5),
    trees: [
      [
        { leaf: false, feature: 1, threshold: Math.fround(0.3), left: 1, right: 2, value: 0 },
        { leaf: true, feature: 0, threshold: 0, left: 0, right: 0, value: Math.fround(-0.2) },
        { leaf: true, feature: 0, threshold: 0, left: 0, right: 0, value: Math.fround(0.7) },
      ],
      [{ leaf: true, feature: 0, threshold: 0, left: 0, right: 0, value: Math.fround(0.05) }],
    ],
  };

  it('decodes the trees, base score and metadata it encoded', () => {
    const bytes = encodeOnnx(ensemble, {
      version: '9.9.9',
      description: 'd',
      metadata: { version: '9.9.9', k: 'v' },
    });
    const decoded = decodeOnnx(bytes);
    expect(decoded.ensemble).toEqual(ensemble);
    expect(decoded.metadata).toEqual({ version: '9.9.9', k: 'v' });
    expect(decoded.producerVersion).toBe('9.9.9');
  });

  it('writes identical bytes for identical input', () => {
    const info = { version: '1', description: 'd', metadata: {} };
    expect(Buffer.from(encodeOnnx(ensemble, info)).equals(Buffer.from(encodeOnnx(ensemble, info)))).toBe(
      true,
    );
  });
});
