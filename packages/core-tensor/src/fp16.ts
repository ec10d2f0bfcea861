// IEEE 754 binary16 conversions (Node 20 has no Float16Array).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds a number to float32, then to binary16 bits with round-to-nearest-even (overflow → ±Inf). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 112; // rebias 127 → 15
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) return sign | subnormalBits(mantissa | 0x800000, 14 - halfExponent);
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  return sign | roundShift((halfExponent << 23) | mantissa, 13);
}

/** (value >> shift) rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && kept & 1) ? kept + 1 : kept;
}

function subnormalBits(significand: number, shift: number): number {
  return shift > 24 ? 0 : roundShift(significand, shift);
}

/** The value of binary16 bits. */
export function fromFloat16Bits(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** binary16 bits of each value, rounded as {@link toFloat16Bits}. */
export function toFloat16Array(values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from({ length: values.length }, (_, i) => toFloat16Bits(values[i]));
}

/** The values of binary16 bits. */
export function fromFloat16Array(halves: Uint16Array): Float32Array {
  return Float32Array.from(halves, fromFloat16Bits);
}
