// Reads ONNX's node conformance tests (Debian's libonnx-testdata) with the onnx-proto library.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { testDataPath } from '../data-path';

export const ONNX_NODE_TESTS = process.env.LOWBIT_ONNX_TESTDATA ?? '/usr/share/libonnx-testdata/data/node';

export interface TestTensor {
  name: string;
  dims: number[];
  dataType: 'float32' | 'uint8' | 'int8' | 'int32';
  values: Float32Array | Int32Array;
}

const DATA_TYPES: Record<number, TestTensor['dataType']> = {
  [onnx.TensorProto.DataType.FLOAT]: 'float32',
  [onnx.TensorProto.DataType.UINT8]: 'uint8',
  [onnx.TensorProto.DataType.INT8]: 'int8',
  [onnx.TensorProto.DataType.INT32]: 'int32',
};

function decodeValues(proto: onnx.TensorProto, dataType: TestTensor['dataType'], count: number) {
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    const bytes = Uint8Array.from(raw);
    if (dataType === 'float32') return new Float32Array(bytes.buffer, 0, count);
    if (dataType === 'int32') return new Int32Array(bytes.buffer, 0, count);
    return Int32Array.from(dataType === 'int8' ? new Int8Array(bytes.buffer) : bytes);
  }
  // Small integer types are stored widened in int32_data.
  return dataType === 'float32' ? Float32Array.from(proto.floatData) : Int32Array.from(proto.int32Data);
}

export function readTensorProto(path: string): TestTensor {
  const proto = onnx.TensorProto.decode(readFileSync(path));
  const dataType = DATA_TYPES[proto.dataType];
  if (!dataType) throw new Error(`${path}: unsupported TensorProto data type ${proto.dataType}`);
  const dims = proto.dims.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  return { name: proto.name, dims, dataType, values: decodeValues(proto, dataType, count) };
}

export interface NodeTestCase {
  op: string;
  attributes: Record<string, number>;
  inputs: TestTensor[];
  outputs: TestTensor[];
}

/** One conformance case, or undefined (a skip) when the data is absent outside CI. */
export function loadNodeTest(name: string): NodeTestCase | undefined {
  const dir = testDataPath(name, ONNX_NODE_TESTS);
  if (!dir) return undefined;
  const model = onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
  const node = model.graph!.node![0];
  const attributes = Object.fromEntries((node.attribute ?? []).map((a) => [a.name, Number(a.i)]));
  const set = join(dir, 'test_data_set_0');
  const files = readdirSync(set).sort();
  const read = (prefix: string) =>
    files.filter((f) => f.startsWith(prefix)).map((f) => readTensorProto(join(set, f)));
  return { op: node.opType!, attributes, inputs: read('input_'), outputs: read('output_') };
}

/** The names of every folder of the conformance suite that starts with `prefix`. */
export function nodeTestNames(prefix: string): string[] {
  const root = testDataPath('', ONNX_NODE_TESTS);
  return root
    ? readdirSync(root)
        .filter((n) => n.startsWith(prefix))
        .sort()
    : [];
}
