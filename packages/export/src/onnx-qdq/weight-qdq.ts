import { LowbitError, type QuantizedTensor } from '@lowbit/core-tensor';
import type { OnnxWeight } from '@lowbit/models';
import { fitsQdqType, type QdqType, qdqTypeFor } from './qdq-type';

/** A quantized weight in its ONNX initializer's layout, ready for DequantizeLinear. */
export interface QdqWeight {
  name: string;
  type: QdqType;
  /** The initializer's dims. */
  dims: readonly number[];
  /** Codes, row-major in `dims`. */
  codes: Int32Array;
  /** One per output channel, or a single value (per tensor). */
  scale: Float32Array;
  zeroPoint: Float32Array;
  /** The output-channel axis of `dims`; undefined per tensor. */
  axis: number | undefined;
}

function bad(name: string, problem: string): never {
  throw new LowbitError('BAD_ARGS', `Weight "${name}" ${problem}`, { target: name });
}

/** Whether q shares one qparam per tensor or one per output channel (axis 0 of its [out, …] view). */
function perChannel(q: QuantizedTensor, name: string, out: number): boolean {
  const g = q.args.granularity;
  if (g.kind === 'tensor') return false;
  const axis = g.kind === 'channel' ? (g.axis < 0 ? g.axis + q.shape.length : g.axis) : -1;
  if (axis !== 0 || q.shape[0] !== out) {
    bad(
      name,
      `is quantized ${g.kind === 'group' ? `in groups of ${g.size}` : `along axis ${g.axis}`}; DequantizeLinear takes per-tensor or per-output-channel qparams: quantize with perChannel(0) of the [out, …] weight.`,
    );
  }
  return true;
}

function checkArgs(q: QuantizedTensor, name: string): void {
  const { type, zeroPointDomain } = q.args;
  if (type !== 'int' || zeroPointDomain !== 'int' || q.gIdx) {
    bad(
      name,
      `has ${type !== 'int' ? `${type} codes` : q.gIdx ? 'a g_idx (act-order groups)' : 'real-valued zero points'}; ONNX QDQ stores integer codes with integer zero points: quantize with type "int", zeroPointDomain "int" and no act-order.`,
    );
  }
}

function transpose2d(codes: Int32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(codes.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = codes[r * cols + c];
  return out;
}

/**
 * The QuantizedTensor of `weight` laid out as its ONNX initializer of `dims`: codes in the
 * initializer's row-major order (MatMul / Gemm transB = 0 weights transposed to [in, out]), the
 * output-channel axis (0, or 1 when transposed) and the narrowest QDQ type holding the codes
 * (int4/uint4 for ≤ 4 bits when `allowFourBit`).
 */
export function qdqWeight(weight: OnnxWeight, dims: readonly number[], allowFourBit: boolean): QdqWeight {
  const { target, transposed } = weight;
  const { name } = target;
  const q = target.quantized;
  if (!q) bad(name, 'is not quantized; quantize it before exporting.');
  checkArgs(q, name);
  const size = dims.reduce((a, b) => a * b, 1);
  if (q.codes.length !== size) {
    bad(name, `has ${q.codes.length} codes but its ONNX initializer [${dims}] holds ${size} values.`);
  }
  const [out] = target.shape;
  const channel = perChannel(q, name, out);
  const codes = transposed ? transpose2d(q.codes, out, size / out) : q.codes;
  const type = qdqTypeFor(q.args.bits, q.args.signed, allowFourBit);
  if (!fitsQdqType(codes, type) || !fitsQdqType(q.zeroPoint, type)) {
    bad(name, `has codes or zero points outside ${type}; re-quantize with clamped integer zero points.`);
  }
  return {
    name,
    type,
    dims,
    codes,
    scale: q.scale,
    zeroPoint: q.zeroPoint,
    axis: channel ? (transposed ? 1 : 0) : undefined,
  };
}
