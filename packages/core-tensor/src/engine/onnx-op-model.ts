// A minimal ONNX protobuf writer for the one-op graphs the onnxruntime engine runs: float32 inputs
// and outputs with symbolic dimensions, int attributes. Field numbers are onnx.proto3's.

type Field = Uint8Array;

/** A protobuf varint; negative ints are their 64-bit two's complement (10 bytes), as int64 fields need. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, BigInt(value));
  while (v > 0x7fn) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return bytes;
}

function concat(parts: readonly Field[]): Field {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function intField(field: number, value: number): Field {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function bytesField(field: number, payload: Field): Field {
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
}

function stringField(field: number, value: string): Field {
  return bytesField(field, new TextEncoder().encode(value));
}

const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** An ONNX node: op type, input and output names, int or int-list attributes. */
export interface OpNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, number | readonly number[]>>;
}

/** A float32 graph value: a name and its dimensions, each a size or a symbolic name. */
export interface OpValue {
  name: string;
  dims: readonly (number | string)[];
}

function attribute(name: string, value: number | readonly number[]): Field {
  const parts = [stringField(1, name)];
  if (typeof value === 'number') parts.push(intField(3, value), intField(20, ATTRIBUTE_INT));
  else parts.push(...value.map((v) => intField(8, v)), intField(20, ATTRIBUTE_INTS));
  return concat(parts);
}

function node({ op, inputs, outputs, attributes = {} }: OpNode): Field {
  return concat([
    ...inputs.map((name) => stringField(1, name)),
    ...outputs.map((name) => stringField(2, name)),
    stringField(4, op),
    ...Object.entries(attributes).map(([name, value]) => bytesField(5, attribute(name, value))),
  ]);
}

function valueInfo({ name, dims }: OpValue): Field {
  const dimensions = dims.map((d) =>
    bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = concat([intField(1, FLOAT), bytesField(2, concat(dimensions))]);
  return concat([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

/** The bytes of an ONNX model (IR 8, opset 17) running `nodes` from `inputs` to `outputs`. */
export function opModelBytes(
  nodes: readonly OpNode[],
  inputs: readonly OpValue[],
  outputs: readonly OpValue[],
): Uint8Array {
  const graph = concat([
    ...nodes.map((n) => bytesField(1, node(n))),
    stringField(2, 'lowbit-engine-op'),
    ...inputs.map((v) => bytesField(11, valueInfo(v))),
    ...outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  const opset = concat([stringField(1, ''), intField(2, 17)]);
  return concat([intField(1, 8), bytesField(8, opset), bytesField(7, graph)]);
}
