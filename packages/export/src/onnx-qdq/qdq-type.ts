import { onnx } from '@lowbit/models';
import { INT4_OPSET, QDQ_OPSET } from './opset';

const { DataType } = onnx.TensorProto;

/** The integer element types of ONNX QuantizeLinear / DequantizeLinear that lowbit writes. */
export type QdqType = 'uint8' | 'int8' | 'uint4' | 'int4';

interface QdqTypeInfo {
  /** TensorProto.DataType (INT4 = 22 and UINT4 = 21 are missing from onnx-proto's enum). */
  dataType: number;
  min: number;
  max: number;
  bits: 4 | 8;
  /** The first ai.onnx opset whose QuantizeLinear / DequantizeLinear accept the type. */
  opset: number;
}

export const QDQ_TYPES: Readonly<Record<QdqType, QdqTypeInfo>> = {
  uint8: { dataType: DataType.UINT8, min: 0, max: 255, bits: 8, opset: QDQ_OPSET },
  int8: { dataType: DataType.INT8, min: -128, max: 127, bits: 8, opset: QDQ_OPSET },
  uint4: { dataType: 21, min: 0, max: 15, bits: 4, opset: INT4_OPSET },
  int4: { dataType: 22, min: -8, max: 7, bits: 4, opset: INT4_OPSET },
};

/** The smallest container for codes of `bits` (≤ 4: a 4-bit type when `allowFourBit`). */
export function qdqTypeFor(bits: number, signed: boolean, allowFourBit: boolean): QdqType {
  if (bits <= 4 && allowFourBit) return signed ? 'int4' : 'uint4';
  return signed ? 'int8' : 'uint8';
}

/** Whether every value is an integer inside the type's range. */
export function fitsQdqType(values: ArrayLike<number>, type: QdqType): boolean {
  const { min, max } = QDQ_TYPES[type];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < min || v > max) return false;
  }
  return true;
}

/** Little-endian raw data: one byte per 8-bit value; 4-bit values two per byte, low nibble first. */
export function qdqRawData(values: ArrayLike<number>, type: QdqType): Uint8Array {
  if (QDQ_TYPES[type].bits === 8) {
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i] & 0xff;
    return out;
  }
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= (values[i] & 0xf) << ((i & 1) * 4);
  return out;
}

/** An integer initializer of `type` (values must fit: see fitsQdqType). */
export function qdqTensor(
  name: string,
  type: QdqType,
  dims: readonly number[],
  values: ArrayLike<number>,
): onnx.TensorProto {
  return onnx.TensorProto.create({
    name,
    dataType: QDQ_TYPES[type].dataType,
    dims: dims.slice(),
    rawData: qdqRawData(values, type),
  });
}

/** A float32 initializer. */
export function floatTensor(
  name: string,
  dims: readonly number[],
  values: ArrayLike<number>,
): onnx.TensorProto {
  const data = Float32Array.from(values);
  return onnx.TensorProto.create({
    name,
    dataType: DataType.FLOAT,
    dims: dims.slice(),
    rawData: new Uint8Array(data.buffer),
  });
}
