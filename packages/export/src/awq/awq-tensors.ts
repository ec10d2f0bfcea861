import {
  codeRange,
  fromFloat16Array,
  LowbitError,
  perGroup,
  QuantizedTensor,
  quantArgs,
  toFloat16Bits,
} from '@lowbit/core-tensor';
import { packAwq, unpackAwq } from './pack';

/** AutoAWQ GEMM stores 4-bit codes only. */
export const AWQ_BITS = 4;

/** The three tensors AutoAWQ GEMM stores per linear. */
export interface AwqTensors {
  /** int32 [in, out/8]: codes packed along the output dimension, interleaved. */
  qweight: Int32Array;
  /** int32 [in/group, out/8]: zero points packed like qweight. */
  qzeros: Int32Array;
  /** fp16 bits [in/group, out] */
  scales: Uint16Array;
}

function bad(name: string, problem: string): never {
  throw new LowbitError('BAD_ARGS', `${name}: ${problem}`);
}

/** The group size of a quantized [out, in] weight, or BAD_ARGS when AWQ GEMM cannot store it. */
export function awqGroupSize(q: QuantizedTensor, name: string): number {
  const { type, bits, zeroPointDomain, granularity: g } = q.args;
  if (type !== 'int' || zeroPointDomain !== 'int' || bits !== AWQ_BITS) {
    bad(name, 'AWQ GEMM stores 4-bit int codes with integer zero points; quantize with bits 4, type int.');
  }
  if (g.kind !== 'group' || (g.axis !== 1 && g.axis !== -1)) {
    bad(name, 'AWQ stores groups along the input axis; quantize with groupSize (e.g. 128) along axis 1.');
  }
  if (q.gIdx) bad(name, 'act-order (g_idx) weights cannot be stored as AWQ; write a GPTQ checkpoint.');
  const [out, inputs] = q.shape;
  if (inputs % g.size !== 0 || out % 8 !== 0) {
    bad(
      name,
      `a [${q.shape}] weight does not pack: AWQ needs in (${inputs}) to be a multiple of the group size ${g.size} and out (${out}) a multiple of 8.`,
    );
  }
  return g.size;
}

/** A row-major [rows, cols] matrix transposed into `into`. */
function transpose<T extends Float32Array | Int32Array>(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  into: T,
): T {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) into[c * rows + r] = values[r * cols + c];
  return into;
}

/** Encodes a quantized [out, in] weight as AWQ tensors: signed codes are offset by 8, scales rounded to fp16. */
export function encodeAwq(q: QuantizedTensor, name: string): AwqTensors {
  const groupSize = awqGroupSize(q, name);
  const [out, inputs] = q.shape;
  const groups = inputs / groupSize;
  const offset = q.args.signed ? codeRange(q.args).min : 0;
  const zeros = transpose(q.zeroPoint, out, groups, new Int32Array(out * groups)).map((z) => z - offset);
  if (zeros.some((z) => !(z >= 0 && z <= 15))) {
    bad(name, 'has a zero point outside [0, 15]; re-quantize with clamped zero points.');
  }
  const scales = Uint16Array.from(
    transpose(q.scale, out, groups, new Float32Array(out * groups)),
    toFloat16Bits,
  );
  if (scales.some((h) => (h & 0x7fff) === 0 || (h & 0x7c00) === 0x7c00)) {
    bad(name, 'has a scale that is 0 or overflows fp16 (|scale| > 65504); AWQ stores fp16 scales.');
  }
  const codes = transpose(q.codes, out, inputs, new Int32Array(out * inputs)).map((c) => c - offset);
  return { qweight: packAwq(codes, inputs, out), qzeros: packAwq(zeros, groups, out), scales };
}

/** Decodes AWQ tensors of an [out, in] weight: unsigned codes, integer zero points, groups along the input. */
export function decodeAwq(t: AwqTensors, shape: [number, number], groupSize: number): QuantizedTensor {
  const [out, inputs] = shape;
  const groups = inputs / groupSize;
  const args = quantArgs({
    type: 'int',
    bits: AWQ_BITS,
    symmetric: false,
    granularity: perGroup(groupSize, 1),
  });
  return new QuantizedTensor({
    shape,
    args,
    codes: transpose(unpackAwq(t.qweight, inputs, out), inputs, out, new Int32Array(out * inputs)),
    scale: transpose(fromFloat16Array(t.scales), groups, out, new Float32Array(out * groups)),
    zeroPoint: transpose(unpackAwq(t.qzeros, groups, out), groups, out, new Float32Array(out * groups)),
  });
}
