import { initBackend, NF4_VALUES, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtnQuantizeTensor } from './quantize-tensor';
import { rtnDequantize } from './rtn-result';
import { BACKENDS, quantizeValues } from './test-helpers';

/** Sets `entries` (flat index → value) in an otherwise zero array of `size`. */
function sparse(size: number, entries: Record<number, number>): Float32Array {
  const values = new Float32Array(size);
  for (const [index, value] of Object.entries(entries)) values[Number(index)] = value;
  return values;
}

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('quantizes hand-worked NF4 blocks over the flattened weight', () => {
    // [4, 24] = 96 elements: block 0 is elements 0–63 (absmax 2), block 1 is elements 64–95 (absmax 0.5).
    // Row 2 straddles both blocks, so a per-row absmax would give other scales.
    // x / absmax → nearest NF4 value: 0.15 → 0.1609 (9), −0.25 → −0.2844 (4), 0.65 → 0.7230 (14),
    // −0.55 → −0.5251 (2), 0.45 → 0.4407 (12), −0.1 → −0.0911 (6).
    const weight = sparse(96, {
      0: -2,
      1: 2,
      2: 0.3,
      3: -0.5,
      4: 1.3,
      40: -1.1,
      63: 0.9,
      64: 0.5,
      65: -0.125,
      95: -0.05,
    });
    const codes: Record<number, number> = {
      0: 0,
      1: 15,
      2: 9,
      3: 4,
      4: 14,
      40: 2,
      63: 12,
      64: 15,
      65: 4,
      95: 6,
    };
    const expectedCodes = Array.from({ length: 96 }, (_, i) => codes[i] ?? 7);
    const result = quantizeValues(weight, [4, 24], { type: 'nf4' });
    expect(result.quantized.shape).toEqual([1, 96]);
    expect(result.quantized.paramShape).toEqual([1, 2]);
    expect(Array.from(result.quantized.scale)).toEqual([2, 0.5]);
    expect(Array.from(result.quantized.codes)).toEqual(expectedCodes);
    const expected = expectedCodes.map((code, i) => NF4_VALUES[code] * (i < 64 ? 2 : 0.5));
    result.reconstruction.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 6);
    });
  });

  it('quantizes a hand-worked FP4 (e2m1) block with scale absmax / 6', () => {
    // absmax 3 → scale 0.5; x / 0.5 → nearest e2m1: 6 (code 7), −6 (15), 2.4 → 2 (4), 0.4 → 0.5 (1), −1.4 → −1.5 (11).
    const weight = sparse(64, { 0: 3, 1: -3, 2: 1.2, 3: 0.2, 4: -0.7 });
    const result = quantizeValues(weight, [2, 32], { type: 'fp4' });
    expect(Array.from(result.quantized.scale)).toEqual([0.5]);
    expect(Array.from(result.quantized.codes.slice(0, 6))).toEqual([7, 15, 4, 1, 11, 0]);
    expect(Array.from(result.reconstruction.slice(0, 6))).toEqual([3, -3, 1, 0.25, -0.75, 0]);
  });

  it('dequantizes nf4 back to the [out, in] shape with a small error', () => {
    const weight = tf.randomNormal([16, 48], 0, 1, 'float32', 7) as tf.Tensor2D;
    const result = rtnQuantizeTensor(weight, { type: 'nf4' }, 'w');
    const reconstruction = rtnDequantize(result);
    expect(reconstruction.shape).toEqual([16, 48]);
    expect(result.quantized.scale).toHaveLength(12);
    expect(result.relativeError).toBeGreaterThan(0.02);
    expect(result.relativeError).toBeLessThan(0.15);
    expect(result.sizeBytes).toBe((16 * 48) / 2 + 4 * 12);
    tf.dispose([weight, reconstruction]);
  });
});
