import { ArrayTarget, initBackend, tf } from '@lowbit/core-tensor';
import { randn, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staticQuantConfig, type WeightOptions } from './config';
import { quantizeTarget, quantizeWeight } from './quantize-weight';

const W = [
  [0.5, -0.25, 1.0],
  [2.0, 1.0, -0.5],
];

function side(options: WeightOptions) {
  const { weights } = staticQuantConfig({ weights: options, activations: false });
  if (!weights) throw new Error('weights expected');
  return weights;
}

/** ‖W − (q − z)·s‖ / ‖W‖ computed in plain JS from the codes. */
function relativeErrorOf(
  values: number[][],
  codes: ArrayLike<number>,
  scale: (row: number) => number,
  zero = 0,
) {
  let error = 0;
  let norm = 0;
  values.flat().forEach((w, i) => {
    const row = Math.floor(i / values[0].length);
    error += (w - (codes[i] - zero) * scale(row)) ** 2;
    norm += w * w;
  });
  return Math.sqrt(error / norm);
}

describe.each(TEST_BACKENDS)('quantizeWeight (%s)', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  function run(values: number[][] | Float32Array, options: WeightOptions, shape?: [number, number]) {
    const weight = values instanceof Float32Array ? tf.tensor2d(values, shape!) : tf.tensor2d(values);
    try {
      return quantizeWeight(weight, side(options), 'w');
    } finally {
      weight.dispose();
    }
  }

  it('per channel, int8 symmetric: scale = max|w_row| / 127.5 (torch.ao), zero point 0, half-even codes', () => {
    const { quantized, relativeError } = run(W, {});
    expect(Array.from(quantized.scale)).toEqual([Math.fround(1 / 127.5), Math.fround(2 / 127.5)]);
    expect(Array.from(quantized.zeroPoint)).toEqual([0, 0]);
    // 0.5·127.5 = 63.75 → 64; −0.25·127.5 = −31.875 → −32; the maximum 127.5 saturates at 127.
    expect(Array.from(quantized.codes)).toEqual([64, -32, 127, 127, 64, -32]);
    const scales = [1 / 127.5, 2 / 127.5];
    expect(relativeError).toBeCloseTo(
      relativeErrorOf(W, quantized.codes, (r) => scales[r]),
      6,
    );
  });

  it('per tensor, int8 symmetric: one scale max|W| / 127.5', () => {
    const { quantized, relativeError } = run(W, { granularity: 'tensor' });
    expect(Array.from(quantized.scale)).toEqual([Math.fround(2 / 127.5)]);
    expect(Array.from(quantized.codes)).toEqual([32, -16, 64, 127, 64, -32]);
    expect(relativeError).toBeCloseTo(
      relativeErrorOf(W, quantized.codes, () => 2 / 127.5),
      6,
    );
  });

  it('per channel, uint8 asymmetric: scale = (max − min)/255, zero point −round(min/scale)', () => {
    const { quantized } = run(W, { symmetric: false });
    expect(quantized.scale[0]).toBeCloseTo(1.25 / 255, 8);
    expect(quantized.scale[1]).toBeCloseTo(2.5 / 255, 8);
    expect(Array.from(quantized.zeroPoint)).toEqual([51, 51]);
    // row 0: 0.5/(1.25/255) = 102 → 153; −0.25 → 0; 1 → 255.
    expect(Array.from(quantized.codes.subarray(0, 3))).toEqual([153, 0, 255]);
  });

  it('int4 per channel: scale = max|w_row| / 7.5 and codes in [−8, 7]', () => {
    const { quantized } = run(W, { bits: 4 });
    expect(quantized.scale[0]).toBeCloseTo(1 / 7.5, 7);
    // 0.5·7.5 = 3.75 → 4; −0.25·7.5 = −1.875 → −2; 7.5 → 7.
    expect(Array.from(quantized.codes)).toEqual([4, -2, 7, 7, 4, -2]);
  });

  it('the mse observer clips heavy-tailed 4-bit weights to a smaller error than minmax', () => {
    const values = randn(8 * 256, 3).map((v, i) => (i % 97 === 0 ? v * 12 : v));
    const minmax = run(values, { bits: 4 }, [8, 256]);
    const mse = run(values, { bits: 4, observer: 'mse', observerOptions: { norm: 2 } }, [8, 256]);
    expect(mse.relativeError).toBeLessThan(minmax.relativeError);
    expect(Math.max(...mse.quantized.scale)).toBeLessThan(Math.max(...minmax.quantized.scale));
  });

  it('quantizes a conv target as its [out, in·kh·kw] view with one scale per output channel', () => {
    const target = new ArrayTarget('conv', 'conv2d', [2, 3, 1, 1], Float32Array.from(W.flat()));
    const report = quantizeTarget(target, side({}));
    expect(target.quantized?.shape).toEqual([2, 3]);
    expect(Array.from(target.quantized!.codes)).toEqual([64, -32, 127, 127, 64, -32]);
    expect(report.target).toBe('conv');
    expect(report.relativeError).toBeGreaterThan(0);
    const restored = target.weight();
    expect(restored.shape).toEqual([2, 3, 1, 1]);
    restored.dispose();
  });
});
