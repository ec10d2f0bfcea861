import { FLOAT32_EPS, mulberry32 } from '@lowbit/core-tensor';

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
export function randn(count: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  return Float32Array.from({ length: count }, () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  });
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Plain-JS asymmetric min/max quantize-dequantize of one group (torch.ao's qparams, as core), every
 * step rounded to float32 as tfjs computes it: a clipped group spans exactly [−L, L], which puts
 * its zero point on a .5 tie that only float32 arithmetic breaks the same way.
 */
export function referenceQuantize(values: readonly number[], bits: number): number[] {
  const f = Math.fround;
  const qmax = 2 ** bits - 1;
  const low = f(Math.min(0, ...values));
  const high = f(Math.max(0, ...values));
  const scale = Math.max(f(f(high - low) / qmax), f(FLOAT32_EPS));
  const zero = Math.min(Math.max(-roundHalfEven(f(low / scale)), 0), qmax);
  return values.map((v) =>
    f((Math.min(Math.max(roundHalfEven(f(f(v) / scale)) + zero, 0), qmax) - zero) * scale),
  );
}

export { expectLowbitError } from '@lowbit/core-tensor/testing';
