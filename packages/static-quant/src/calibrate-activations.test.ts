import { initBackend, tf } from '@lowbit/core-tensor';
import { randn, syntheticCnn, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calibrateActivations } from './calibrate-activations';
import { type ActivationOptions, staticQuantConfig } from './config';

function side(options: ActivationOptions) {
  const { activations } = staticQuantConfig({ weights: false, activations: options });
  if (!activations) throw new Error('activations expected');
  return activations;
}

describe.each(TEST_BACKENDS)('calibrateActivations (%s)', (backend) => {
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

  function calibrate(
    options: ActivationOptions,
    batches: tf.Tensor[],
    inputs = batches[0].shape[1] as number,
  ) {
    const { block } = syntheticCnn([{ op: 'dense', name: 'fc', out: 2, in: inputs }]);
    try {
      return calibrateActivations(block, block.targets, batches, side(options)).fc;
    } finally {
      tf.dispose(batches);
    }
  }

  it('uint8 asymmetric minmax over two batches: scale = (max − min)/255, zero point = −round(min/scale)', () => {
    const batches = [tf.tensor2d([[-1, 0.5, 2, 3]]), tf.tensor2d([[0, 1, 4, -0.5]])];
    const qparams = calibrate({}, batches);
    expect(qparams.scale).toBeCloseTo(5 / 255, 7); // range [−1, 4]
    expect(qparams.zeroPoint).toBe(51); // 1/(5/255) = 51
  });

  it('uint4 asymmetric (A4): scale = 5/15, zero point 3; a positive range still includes zero', () => {
    expect(calibrate({ bits: 4 }, [tf.tensor2d([[-1, 0.5, 2, 4]])])).toEqual({
      scale: expect.closeTo(5 / 15, 6),
      zeroPoint: 3,
    });
    const relu = calibrate({}, [tf.tensor2d([[0.5, 1, 2, 2.55]])]);
    expect(relu.scale).toBeCloseTo(2.55 / 255, 7);
    expect(relu.zeroPoint).toBe(0);
  });

  it('histogram and entropy observers pick a narrower range than minmax on heavy-tailed activations', () => {
    // Student's t with 3 degrees of freedom: z / √(χ²₃ / 3), 2^18 values.
    const count = 4096 * 64;
    const z = randn(count, 11);
    const chi = [randn(count, 12), randn(count, 13), randn(count, 14)];
    const t3 = z.map((v, i) => v / Math.sqrt((chi[0][i] ** 2 + chi[1][i] ** 2 + chi[2][i] ** 2) / 3));
    const batches = () => [tf.tensor2d(t3, [4096, 64])];
    const minmax = calibrate({}, batches());
    const histogram = calibrate({ observer: 'histogram' }, batches());
    const entropy = calibrate({ observer: 'entropy' }, batches());
    const range = t3.reduce((a, b) => Math.max(a, b)) - t3.reduce((a, b) => Math.min(a, b));
    expect(minmax.scale).toBeCloseTo(range / 255, 5);
    expect(histogram.scale).toBeLessThan(0.75 * minmax.scale);
    expect(entropy.scale).toBeLessThan(histogram.scale);
  });
});
