import { describe, expect, it } from 'vitest';
import { batchNormScale, foldBatchNorm } from './fold-batch-norm';

describe('foldBatchNorm', () => {
  it('folds a hand-worked 2-channel batch norm into weight rows and bias', () => {
    // γ/√(var + ε) = [2/√4, 0.5/√1] = [1, 0.5]
    const bn = {
      gamma: [2, 0.5],
      beta: [0.1, 0.2],
      mean: [1, -1],
      variance: [4 - 0.5, 1 - 0.5],
      epsilon: 0.5,
    };
    expect(Array.from(batchNormScale(bn))).toEqual([1, 0.5]);
    const folded = foldBatchNorm(Float32Array.of(1, 2, 3, 4), Float32Array.of(0.5, -1), bn);
    expect(Array.from(folded.weight)).toEqual([1, 2, 1.5, 2]);
    // b' = (b − mean)·scale + β = [(0.5 − 1)·1 + 0.1, (−1 + 1)·0.5 + 0.2]
    expect(folded.bias[0]).toBeCloseTo(-0.4, 6);
    expect(folded.bias[1]).toBeCloseTo(0.2, 6);
  });

  it('scales every element of an output channel of a conv weight [out, in, kh, kw]', () => {
    const weight = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i + 1);
    const bn = { gamma: [3, -1], beta: [0, 0], mean: [0, 0], variance: [9, 1], epsilon: 0 };
    const folded = foldBatchNorm(weight, new Float32Array(2), bn);
    expect(Array.from(folded.weight.subarray(0, 12))).toEqual(Array.from(weight.subarray(0, 12)));
    expect(Array.from(folded.weight.subarray(12))).toEqual(Array.from(weight.subarray(12), (w) => -w));
  });
});
