import type { GroupRows } from './group-rows';

/** The step a sweep computes: the next zero points, written to `next`, for penalty β and lp norm p. */
export interface ProximalUpdate {
  beta: number;
  p: number;
  next: Float32Array;
}

/** round(x) with ties to even, as tf.round (floor(x + 0.5) is much faster than Math.round in V8). */
function roundHalfEven(x: number): number {
  const r = Math.floor(x + 0.5);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One pass over every group at zero points `zero` (row order): returns Σ|W − Ŵ| and, with
 * `update`, writes HQQ's proximal step. W/s + z is rounded to float32 before the code is taken, as
 * core's quantize does, so the codes are those the quantized tensor will hold; sums are float64.
 * Per element, with r = W/s + z − W_q = (W − Ŵ)/s the residual in code units:
 *
 * - W_e = shrink_lp(r·s, β) = r·s·relu(1 − |r·s|^(p−2)/β) is 0 unless |r·s| > β^(1/(p−2)), so the
 *   power is only evaluated for the residuals that survive the shrink;
 * - the next zero point mean(W_q − (W − W_e)/s) is z − mean(r − W_e/s), with
 *   r − W_e/s = r·min(1, |r·s|^(p−2)/β).
 */
export function proximalSweep(rows: GroupRows, zero: Float32Array, update?: ProximalUpdate): number {
  const { scaled, scales, rowLength, groupSize, codeMin, codeMax } = rows;
  // Without an update no residual survives, so β and p are not read.
  const { beta, p } = update ?? { beta: 1, p: 1 };
  const exponent = p - 2;
  const threshold = update ? beta ** (1 / exponent) : Number.POSITIVE_INFINITY;
  let errorSum = 0;
  for (let rowStart = 0, k = 0; rowStart < scaled.length; rowStart += rowLength) {
    for (let groupStart = 0; groupStart < rowLength; groupStart += groupSize, k++) {
      const begin = rowStart + groupStart;
      const end = rowStart + Math.min(groupStart + groupSize, rowLength);
      const z = zero[k];
      const s = scales[k];
      const codeThreshold = threshold / s;
      let absSum = 0;
      let absorbed = 0;
      for (let i = begin; i < end; i++) {
        const x = Math.fround(scaled[i] + z);
        const code = roundHalfEven(x);
        // biome-ignore lint/complexity/useMathMinMax: the ternaries make this loop 1.4× faster than Math.min/max.
        const r = x - (code < codeMin ? codeMin : code > codeMax ? codeMax : code);
        const a = Math.abs(r);
        absSum += a;
        // |r·s|^(p−2) as exp((p − 2)·ln|r·s|): twice as fast as ** in V8.
        absorbed += a > codeThreshold ? (r * Math.exp(exponent * Math.log(a * s))) / beta : r;
      }
      errorSum += s * absSum;
      if (update) update.next[k] = z - absorbed / (end - begin);
    }
  }
  return errorSum;
}
