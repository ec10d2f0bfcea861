import { LowbitError } from '@lowbit/core-tensor';
import { onnx } from './onnx-proto';

const { DataType, DataLocation } = onnx.TensorProto;

/** A constant of the graph: float tensors as Float32Array, int32/int64 ones (shapes, axes) as Int32Array. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | Int32Array;
}

/** A protobuf integer (number or Long) as a JS number. */
export function toInt(value: unknown): number {
  return Number(value);
}

function badTensor(name: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `ONNX tensor "${name}" ${problem}. The file is truncated or malformed: re-export the model.`,
    { tensor: name },
  );
}

/** The raw bytes as an aligned little-endian buffer of exactly count × elementBytes, or undefined. */
function rawBytes(proto: onnx.ITensorProto, count: number, elementBytes: number): ArrayBuffer | undefined {
  const raw = proto.rawData;
  if (!raw || raw.length === 0) return undefined;
  if (raw.length !== count * elementBytes) {
    throw badTensor(
      proto.name ?? '',
      `holds ${raw.length} bytes of raw data; its dims need ${count * elementBytes}`,
    );
  }
  return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length) as ArrayBuffer;
}

function checkCount(name: string, actual: number, count: number): void {
  if (actual !== count) throw badTensor(name, `holds ${actual} values; its dims need ${count}`);
}

function int32FromInt64(name: string, values: ArrayLike<number>): Int32Array {
  const out = Int32Array.from(values);
  if (out.some((v, i) => v !== values[i])) throw badTensor(name, 'has int64 values outside the int32 range');
  return out;
}

function decodeData(proto: onnx.ITensorProto, name: string, count: number): Float32Array | Int32Array {
  switch (proto.dataType) {
    case DataType.FLOAT: {
      const raw = rawBytes(proto, count, 4);
      if (raw) return new Float32Array(raw);
      checkCount(name, proto.floatData?.length ?? 0, count);
      return Float32Array.from(proto.floatData ?? []);
    }
    case DataType.INT32: {
      const raw = rawBytes(proto, count, 4);
      if (raw) return new Int32Array(raw);
      checkCount(name, proto.int32Data?.length ?? 0, count);
      return Int32Array.from(proto.int32Data ?? []);
    }
    case DataType.INT64: {
      const raw = rawBytes(proto, count, 8);
      const values = raw ? Array.from(new BigInt64Array(raw), Number) : (proto.int64Data ?? []).map(toInt);
      checkCount(name, values.length, count);
      return int32FromInt64(name, values);
    }
    default:
      throw badTensor(
        name,
        `has data type ${DataType[proto.dataType ?? 0] ?? proto.dataType}; lowbit reads float32 weights and int32/int64 shapes`,
      );
  }
}

/** Decodes an initializer or constant (little-endian host assumed, as ONNX raw_data is). */
export function decodeTensor(proto: onnx.ITensorProto, fallbackName = ''): OnnxTensor {
  const name = proto.name || fallbackName;
  if (proto.dataLocation === DataLocation.EXTERNAL) {
    throw new LowbitError(
      'BAD_FILE',
      `ONNX tensor "${name}" is stored in an external file; re-save the model with all tensors inside it (onnx.save_model(m, path, save_as_external_data=False)).`,
      { tensor: name },
    );
  }
  const dims = (proto.dims ?? []).map(toInt);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw badTensor(name, `has invalid dims [${dims}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  return { name, dims, data: decodeData(proto, name, count) };
}

/** A float32 initializer holding `values` in raw_data, keeping the original's other fields. */
export function encodeFloatTensor(original: onnx.ITensorProto, values: Float32Array): onnx.TensorProto {
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return onnx.TensorProto.create({ ...original, dataType: DataType.FLOAT, floatData: [], rawData: raw });
}
