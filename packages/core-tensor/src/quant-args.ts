import { LowbitError } from './errors';
import { type Granularity, perTensor } from './granularity';

export type ValueType = 'int' | 'nf4' | 'fp4' | 'fp8-e4m3' | 'fp8-e5m2';

/** One validated, frozen description of how a tensor is quantized. */
export interface QuantArgs {
  /** Bits per code: 1–8 for `int`; fixed at 4 for nf4/fp4 and 8 for fp8. */
  readonly bits: number;
  readonly type: ValueType;
  /** Symmetric ranges centre on zero (PyTorch's per_tensor/per_channel_symmetric). */
  readonly symmetric: boolean;
  /** Signed codes ([-2^(b-1), 2^(b-1)-1], like qint8) or unsigned ([0, 2^b-1], like quint8). */
  readonly signed: boolean;
  readonly granularity: Granularity;
  /** `int`: q = round(x/s) + z with integer z (ONNX, PyTorch). `float`: q = round(x/s + z), z real (HQQ). */
  readonly zeroPointDomain: 'int' | 'float';
  /** `pow2` rounds every scale up to a power of two (shift-only hardware, MCT). */
  readonly scaleType: 'float' | 'pow2';
  /** Shrinks the observed range by this factor before choosing qparams (1 = no clipping). */
  readonly clipRatio: number;
  /** Uses one bit less of range, as PyTorch's reduce_range does for x86 fbgemm. */
  readonly reduceRange: boolean;
  /** Smallest allowed scale; PyTorch uses float32 machine epsilon. */
  readonly eps: number;
}

export type QuantArgsInput = Partial<QuantArgs>;

export const FLOAT32_EPS = 1.1920928955078125e-7;

const FIXED_BITS: Partial<Record<ValueType, number>> = { nf4: 4, fp4: 4, 'fp8-e4m3': 8, 'fp8-e5m2': 8 };
const VALUE_TYPES: ValueType[] = ['int', 'nf4', 'fp4', 'fp8-e4m3', 'fp8-e5m2'];

function bad(message: string): never {
  throw new LowbitError('BAD_ARGS', message);
}

function validateBits(bits: number, type: ValueType): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    bad(`bits is ${bits}; use an integer from 1 to 8 (e.g. bits: 4).`);
  }
  const fixed = FIXED_BITS[type];
  if (fixed !== undefined && bits !== fixed) {
    bad(`type "${type}" always uses ${fixed} bits, but bits is ${bits}; drop bits or set bits: ${fixed}.`);
  }
}

/**
 * Fills defaults and validates quantization arguments, throwing a BAD_ARGS LowbitError that names
 * the fix. Defaults: 8-bit int, asymmetric, unsigned when asymmetric and signed when symmetric
 * (PyTorch's quint8 / qint8), per-tensor, integer zero point, float scale, no clipping.
 */
export function quantArgs(input: QuantArgsInput = {}): QuantArgs {
  const type = input.type ?? 'int';
  if (!VALUE_TYPES.includes(type)) bad(`type "${type}" is unknown; use one of ${VALUE_TYPES.join(', ')}.`);
  const bits = input.bits ?? FIXED_BITS[type] ?? 8;
  validateBits(bits, type);
  const symmetric = input.symmetric ?? type !== 'int';
  if (type !== 'int' && !symmetric) bad(`type "${type}" is symmetric by construction; set symmetric: true.`);
  const clipRatio = input.clipRatio ?? 1;
  if (!(clipRatio > 0 && clipRatio <= 1)) bad(`clipRatio is ${clipRatio}; use a number in (0, 1].`);
  const eps = input.eps ?? FLOAT32_EPS;
  if (!(eps > 0)) bad(`eps is ${eps}; use a small positive number such as 1.19e-7.`);
  const granularity = input.granularity ?? perTensor();
  if (!granularity || !['tensor', 'channel', 'group'].includes(granularity.kind)) {
    bad(
      `granularity ${JSON.stringify(granularity)} is unknown; use perTensor(), perChannel(axis) or perGroup(size, axis).`,
    );
  }
  const reduceRange = input.reduceRange ?? false;
  if (reduceRange && bits < 2) bad('reduceRange needs at least 2 bits; drop reduceRange or raise bits.');
  return Object.freeze({
    bits,
    type,
    symmetric,
    signed: input.signed ?? symmetric,
    granularity: Object.freeze({ ...granularity }),
    zeroPointDomain: input.zeroPointDomain ?? 'int',
    scaleType: input.scaleType ?? 'float',
    clipRatio,
    reduceRange,
    eps,
  });
}

/** The integer code range [min, max] of `int` args, after reduceRange. */
export function codeRange(args: QuantArgs): { min: number; max: number } {
  const bits = args.reduceRange ? args.bits - 1 : args.bits;
  return args.signed ? { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 } : { min: 0, max: 2 ** bits - 1 };
}
