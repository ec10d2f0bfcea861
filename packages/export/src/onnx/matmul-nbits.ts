import { codeRange, LowbitError, type QuantizedTensor } from '@lowbit/core-tensor';

/** Bit widths com.microsoft.MatMulNBits runs on onnxruntime's CPU. */
export const MATMUL_NBITS_BITS = [2, 4, 8];
/** Bit widths whose float zero points (HQQ) onnxruntime 1.30's CPU kernel runs. */
export const MATMUL_NBITS_FLOAT_ZERO_BITS = [2, 4];
/** Block sizes onnxruntime's CPU kernel accepts (the spec asks for a power of two ≥ 16). */
export const MATMUL_NBITS_BLOCK_SIZES = [16, 32, 64, 128, 256];
/** Block size for weights with one group per row (per-channel, per-tensor) longer than it. */
const ROW_BLOCK_SIZE = 128;

/** The inputs of one MatMulNBits node for a [N, K] weight (computing A · Wᵀ). */
export interface MatMulNBitsWeights {
  K: number;
  N: number;
  bits: number;
  blockSize: number;
  /** uint8 [N, blocks, blockSize·bits/8]: codes packed LSB-first within each block, K padded to whole blocks. */
  B: Uint8Array;
  /** [N, blocks] */
  scales: Float32Array;
  /**
   * Integer zero points: uint8 [N, ceil(blocks·bits/8)] packed like B, absent when every one is
   * 2^(bits−1), the default. Float zero points (HQQ): float [N, blocks], unpacked, like `scales`.
   */
  zeroPoints?: Uint8Array | Float32Array;
  /** Act-order: the input column at each position of the packed K axis, so that groups are contiguous. */
  inputOrder?: Int32Array;
}

/** Where each row's parameter groups lie along K. */
interface GroupScheme {
  /** Elements per group along K (K when a row has one group). */
  groupSize: number;
  /** Index into scale/zeroPoint of row n, group g. */
  param(n: number, g: number): number;
}

function bad(name: string, problem: string): never {
  throw new LowbitError('BAD_ARGS', `${name}: ${problem}`);
}

function checkArgs(q: QuantizedTensor, name: string): void {
  const { type, bits } = q.args;
  if (type !== 'int') bad(name, `${type} codes cannot be stored by MatMulNBits; quantize with type 'int'.`);
  if (!MATMUL_NBITS_BITS.includes(bits)) {
    bad(name, `quantized to ${bits} bits, but MatMulNBits supports 2, 4 or 8 bits; use --bits 4 (or 2, 8).`);
  }
  if (q.args.zeroPointDomain === 'float' && !MATMUL_NBITS_FLOAT_ZERO_BITS.includes(bits)) {
    bad(
      name,
      `float zero points (HQQ) at ${bits} bits: onnxruntime's CPU MatMulNBits runs them only at 2 or 4 bits; re-quantize with bits 4 (or integer zero points, e.g. RTN).`,
    );
  }
}

/** Checks one block's zero point (code units, unsigned): an integer in range unless float zero points. */
function checkZero(zero: number, q: QuantizedTensor, name: string): void {
  const { bits, zeroPointDomain } = q.args;
  const fits =
    zeroPointDomain === 'float'
      ? Number.isFinite(zero)
      : Number.isInteger(zero) && zero >= 0 && zero <= 2 ** bits - 1;
  if (!fits) {
    bad(name, `zero point ${zero} does not fit ${bits} unsigned bits; re-quantize with clamped zero points.`);
  }
}

/** Integer zero points [N, blocks] packed per row like B, or undefined when all are 2^(bits−1). */
function packZeroPoints(zeros: Float32Array, N: number, bits: number): Uint8Array | undefined {
  if (zeros.every((z) => z === 2 ** (bits - 1))) return undefined;
  const blocks = zeros.length / N;
  const rowBytes = Math.ceil((blocks * bits) / 8);
  const packed = new Uint8Array(N * rowBytes);
  zeros.forEach((z, i) => {
    setCode(packed, Math.floor(i / blocks) * rowBytes, i % blocks, z, bits);
  });
  return packed;
}

function groupScheme(q: QuantizedTensor, name: string): GroupScheme {
  const [, K] = q.shape;
  const g = q.args.granularity;
  if (g.kind === 'tensor') return { groupSize: K, param: () => 0 };
  if (g.kind === 'channel' && g.axis === 0) return { groupSize: K, param: (n) => n };
  if (g.kind === 'group' && (g.axis === 1 || g.axis === -1)) {
    const groups = Math.ceil(K / g.size);
    return { groupSize: g.size, param: (n, group) => n * groups + group };
  }
  return bad(
    name,
    'MatMulNBits needs groups along the input axis (perGroup(size, 1)) or per output channel.',
  );
}

/** The block size: `requested` when it fits the groups, else the largest block inside one group. */
function chooseBlockSize(groupSize: number, K: number, name: string, requested?: number): number {
  if (requested !== undefined && !MATMUL_NBITS_BLOCK_SIZES.includes(requested)) {
    bad(
      name,
      `block size ${requested} is not supported: MatMulNBits needs a power of two ≥ 16 and onnxruntime's CPU kernel takes ${MATMUL_NBITS_BLOCK_SIZES.join(', ')}.`,
    );
  }
  if (groupSize >= K) return requested ?? MATMUL_NBITS_BLOCK_SIZES.find((b) => b >= K) ?? ROW_BLOCK_SIZE;
  const fitting = MATMUL_NBITS_BLOCK_SIZES.filter((b) => groupSize % b === 0);
  if (fitting.length === 0) {
    bad(
      name,
      `group size ${groupSize} is not a multiple of 16, so no MatMulNBits block (${MATMUL_NBITS_BLOCK_SIZES.join(', ')}) lies inside one group; re-quantize with group size 32, 64 or 128.`,
    );
  }
  if (requested !== undefined && !fitting.includes(requested)) {
    bad(
      name,
      `block size ${requested} does not divide the group size ${groupSize}; use ${fitting.join(', ')}.`,
    );
  }
  return requested ?? fitting[fitting.length - 1];
}

/**
 * For act-order (a g_idx that is not ⌊k / groupSize⌋): input columns sorted by group, stably.
 * onnxruntime's own g_idx input gives wrong results on CPU, so the graph gathers A's columns instead.
 */
function inputOrder(q: QuantizedTensor, groupSize: number, name: string): Int32Array | undefined {
  const { gIdx } = q;
  const K = q.shape[1];
  if (!gIdx || q.args.granularity.kind !== 'group' || gIdx.every((g, k) => g === Math.floor(k / groupSize))) {
    return undefined;
  }
  const groups = Math.ceil(K / groupSize);
  const counts = new Int32Array(groups);
  for (const g of gIdx) {
    if (!(g >= 0 && g < groups)) bad(name, `g_idx holds group ${g}, outside [0, ${groups}).`);
    counts[g]++;
  }
  counts.forEach((count, g) => {
    const expected = Math.min(groupSize, K - g * groupSize);
    if (count !== expected) {
      bad(
        name,
        `g_idx puts ${count} columns in group ${g}, not ${expected}; MatMulNBits needs equal groups.`,
      );
    }
  });
  const next = Int32Array.from({ length: groups }, (_, g) => g * groupSize);
  const order = new Int32Array(K);
  gIdx.forEach((g, k) => {
    order[next[g]++] = k;
  });
  return order;
}

function clamp(code: number, max: number): number {
  return Math.min(max, Math.max(0, code));
}

/** Sets code `value` at position `index` of a bit stream of `bits`-wide codes starting at byte `start`. */
function setCode(bytes: Uint8Array, start: number, index: number, value: number, bits: number): void {
  const bit = index * bits;
  bytes[start + (bit >> 3)] |= value << (bit & 7);
}

/**
 * The MatMulNBits inputs of a quantized [N, K] linear weight: unsigned codes (signed ones offset by
 * 2^(bits−1)), one scale and zero point per block, and the act-order column order when needed.
 * Float zero points (HQQ, ŵ = (q − z)·s) are kept as floats: MatMulNBits computes the same.
 */
export function matMulNBitsWeights(
  q: QuantizedTensor,
  name: string,
  requestedBlockSize?: number,
): MatMulNBitsWeights {
  checkArgs(q, name);
  const [N, K] = q.shape;
  const { bits } = q.args;
  const scheme = groupScheme(q, name);
  const blockSize = chooseBlockSize(scheme.groupSize, K, name, requestedBlockSize);
  const order = inputOrder(q, scheme.groupSize, name);
  const column = (position: number) => (order ? order[position] : position);
  const groupOf = (k: number) => (order ? q.gIdx![k] : Math.floor(k / scheme.groupSize));
  const offset = q.args.signed ? codeRange(q.args).min : 0;
  const max = 2 ** bits - 1;
  const blocks = Math.ceil(K / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const B = new Uint8Array(N * blocks * blobSize);
  const scales = new Float32Array(N * blocks);
  const zeros = new Float32Array(N * blocks);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const p = scheme.param(n, groupOf(column(b * blockSize)));
      const zero = q.zeroPoint[p] - offset;
      checkZero(zero, q, name);
      scales[n * blocks + b] = q.scale[p];
      zeros[n * blocks + b] = zero;
      const blob = (n * blocks + b) * blobSize;
      for (let j = 0; j < blockSize; j++) {
        const position = b * blockSize + j;
        // Padding past K holds the zero point (rounded into range when real-valued): the value ~0.
        const code = position < K ? q.codes[n * K + column(position)] - offset : clamp(Math.round(zero), max);
        if (!(code >= 0 && code <= max)) bad(name, `code ${code + offset} is outside the ${bits}-bit range.`);
        setCode(B, blob, j, code, bits);
      }
    }
  }
  return {
    K,
    N,
    bits,
    blockSize,
    B,
    scales,
    zeroPoints: q.args.zeroPointDomain === 'float' ? zeros : packZeroPoints(zeros, N, bits),
    inputOrder: order,
  };
}
