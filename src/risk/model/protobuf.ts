// A minimal protobuf wire-format writer and reader: enough to write the handful of ONNX
// messages the risk model needs (ModelProto, GraphProto, NodeProto, AttributeProto,
// ValueInfoProto, ...) and to read them back, without adding a protobuf package.
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  #varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`protobuf varint must be a non-negative safe integer, got ${value}`);
    }
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  /** int32 / int64 / enum / bool field (non-negative values only; ONNX needs no others here). */
  int(field: number, value: number): this {
    this.#tag(field, 0);
    this.#varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(value.length);
    this.#push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, b);
  }

  packedInts(field: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.#varint(values[i]!);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let o = 0;
    for (const c of this.#chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** One field occurrence: varints and fixed values as numbers, length-delimited as bytes. */
export type ProtoValue = number | Uint8Array;

/** Parses one message level into field number -> occurrences (in order). */
export function readMessage(buf: Uint8Array): Map<number, ProtoValue[]> {
  const fields = new Map<number, ProtoValue[]>();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: ProtoValue;
    if (wire === 0) value = varint();
    else if (wire === 5) {
      value = view.getFloat32(pos, true);
      pos += 4;
    } else if (wire === 1) {
      value = view.getFloat64(pos, true);
      pos += 8;
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('protobuf: truncated field');
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

export function decodeString(v: ProtoValue | undefined): string {
  return v instanceof Uint8Array ? textDecoder.decode(v) : '';
}

/** A repeated float field, packed (one bytes value) or not (one number per occurrence). */
export function decodeFloats(values: ProtoValue[] | undefined): number[] {
  const out: number[] = [];
  for (const v of values ?? []) {
    if (typeof v === 'number') out.push(v);
    else {
      const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
      for (let i = 0; i + 4 <= v.length; i += 4) out.push(view.getFloat32(i, true));
    }
  }
  return out;
}

/** A repeated varint field, packed or not. */
export function decodeInts(values: ProtoValue[] | undefined): number[] {
  const out: number[] = [];
  for (const v of values ?? []) {
    if (typeof v === 'number') out.push(v);
    else {
      let pos = 0;
      while (pos < v.length) {
        let result = 0;
        let scale = 1;
        for (;;) {
          const b = v[pos++]!;
          result += (b & 0x7f) * scale;
          if (b < 0x80) break;
          scale *= 0x80;
        }
        out.push(result);
      }
    }
  }
  return out;
}
