import {
  codeRange,
  fromFloat16Array,
  LowbitError,
  perChannel,
  perGroup,
  QuantizedTensor,
  quantArgs,
  toFloat16Bits,
} from '@lowbit/core-tensor';
import { packQweight, packQzeros, unpackQweight, unpackQzeros } from './pack';

/** Bit widths GPTQ checkpoints store. */
export const GPTQ_BITS = [2, 3, 4, 8];

/**
 * v1 ('gptq', AutoGPTQ/transformers) stores zero − 1 in qzeros and dequantizes with
 * W = scale·(q − (qzero + 1)); v2 ('gptq_v2', GPTQModel) stores the zero point itself.
 */
export type GptqFormat = 'gptq' | 'gptq_v2';

/** How one linear is quantized, in GPTQ's terms. */
export interface GptqScheme {
  bits: number;
  /** Inputs per group, or −1 for one group per output channel. */
  groupSize: number;
  sym: boolean;
}

/** The four tensors GPTQ stores per linear. */
export interface GptqTensors {
  /** int32 [in·bits/32, out] */
  qweight: Int32Array;
  /** int32 [groups, out·bits/32] */
  qzeros: Int32Array;
  /** fp16 bits [groups, out] */
  scales: Uint16Array;
  /** int32 [in]: the group of each input column. */
  gIdx: Int32Array;
}

function bad(name: string, problem: string): never {
  throw new LowbitError('BAD_ARGS', `${name}: ${problem}`);
}

/** The GPTQ scheme of a quantized [out, in] weight, or BAD_ARGS when GPTQ cannot store it. */
export function gptqScheme(q: QuantizedTensor, name: string): GptqScheme {
  const { type, bits, symmetric, zeroPointDomain, granularity: g } = q.args;
  if (type !== 'int' || zeroPointDomain !== 'int')
    bad(name, 'GPTQ stores uniform int codes with integer zero points.');
  if (!GPTQ_BITS.includes(bits))
    bad(name, `quantized to ${bits} bits; GPTQ checkpoints hold 2, 3, 4 or 8 bits.`);
  const [out, inputs] = q.shape;
  if (q.shape.length !== 2 || (inputs * bits) % 32 !== 0 || (out * bits) % 32 !== 0) {
    bad(
      name,
      `a [${q.shape}] weight cannot be packed into int32 words at ${bits} bits; GPTQ needs in·bits and out·bits to be multiples of 32.`,
    );
  }
  if (g.kind === 'channel' && g.axis === 0) return { bits, groupSize: -1, sym: symmetric };
  if (g.kind === 'group' && (g.axis === 1 || g.axis === -1))
    return { bits, groupSize: g.size, sym: symmetric };
  return bad(
    name,
    'GPTQ stores groups along the input axis (perGroup(size, 1)) or one scale per output channel.',
  );
}

function groupCount(groupSize: number, inputs: number): number {
  return groupSize === -1 ? 1 : Math.ceil(inputs / groupSize);
}

/** ⌊k / groupSize⌋ for every input column (all 0 per channel): g_idx without act-order. */
export function sequentialGroups(groupSize: number, inputs: number): Int32Array {
  return Int32Array.from({ length: inputs }, (_, k) => (groupSize === -1 ? 0 : Math.floor(k / groupSize)));
}

function codeOffset(q: { args: QuantizedTensor['args'] }): number {
  return q.args.signed ? codeRange(q.args).min : 0;
}

/** A row-major [rows, cols] matrix transposed into `into` ([out, groups] lowbit ↔ [groups, out] GPTQ). */
function transpose<T extends Float32Array | Int32Array>(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  into: T,
): T {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) into[c * rows + r] = values[r * cols + c];
  return into;
}

/** Encodes a quantized [out, in] weight as GPTQ tensors; scales are rounded to fp16. */
export function encodeGptq(q: QuantizedTensor, name: string, format: GptqFormat): GptqTensors {
  const { bits, groupSize } = gptqScheme(q, name);
  const [out, inputs] = q.shape;
  const groups = groupCount(groupSize, inputs);
  const offset = codeOffset(q);
  const zeroShift = format === 'gptq' ? 1 : 0;
  const zeros = transpose(q.zeroPoint, out, groups, new Int32Array(out * groups)).map(
    (z) => z - offset - zeroShift,
  );
  if (zeros.some((z) => z < 0)) {
    bad(
      name,
      "has a zero point of 0, which GPTQ v1 (qzeros = zero − 1) cannot store; write checkpointFormat 'gptq_v2'.",
    );
  }
  const scales = Uint16Array.from(
    transpose(q.scale, out, groups, new Float32Array(out * groups)),
    toFloat16Bits,
  );
  if (scales.some((h) => (h & 0x7fff) === 0 || (h & 0x7c00) === 0x7c00)) {
    bad(name, 'has a scale that is 0 or overflows fp16 (|scale| > 65504); GPTQ stores fp16 scales.');
  }
  return {
    qweight: packQweight(offset === 0 ? q.codes : q.codes.map((c) => c - offset), out, inputs, bits),
    qzeros: packQzeros(zeros, groups, out, bits),
    scales,
    gIdx: q.gIdx ?? sequentialGroups(groupSize, inputs),
  };
}

/** Decodes GPTQ tensors of an [out, in] weight into a QuantizedTensor (symmetric ones with signed codes). */
export function decodeGptq(
  t: GptqTensors,
  shape: [number, number],
  scheme: GptqScheme,
  format: GptqFormat,
): QuantizedTensor {
  const [out, inputs] = shape;
  const { bits, groupSize, sym } = scheme;
  const groups = groupCount(groupSize, inputs);
  const args = quantArgs({
    type: 'int',
    bits,
    symmetric: sym,
    granularity: groupSize === -1 ? perChannel(0) : perGroup(groupSize, 1),
  });
  const offset = codeOffset({ args });
  const zeroShift = format === 'gptq' ? 1 : 0;
  const zeros = unpackQzeros(t.qzeros, groups, out, bits);
  const sequential = sequentialGroups(groupSize, inputs);
  return new QuantizedTensor({
    shape,
    args,
    codes: unpackQweight(t.qweight, out, inputs, bits).map((c) => c + offset),
    scale: transpose(fromFloat16Array(t.scales), groups, out, new Float32Array(out * groups)),
    zeroPoint: transpose(zeros, groups, out, new Float32Array(out * groups)).map(
      (z) => z + zeroShift + offset,
    ),
    gIdx: t.gIdx.every((g, k) => g === sequential[k]) ? undefined : t.gIdx,
  });
}
