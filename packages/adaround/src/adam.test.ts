import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Adam } from './adam';

describe.each(TEST_BACKENDS)('Adam (%s)', (backend) => {
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

  it('follows tf.train.adam (β 0.9/0.999, ε 1e-8) on a quadratic for 20 steps', () => {
    const start = [1.5, -2, 0.25, 3];
    const curvature = tf.tensor1d([1, 4, 0.5, 10]);
    const ours = tf.tidy(() => tf.variable(tf.tensor1d(start), false));
    const reference = tf.tidy(() => tf.variable(tf.tensor1d(start), true));
    const adam = new Adam(ours, 0.1);
    const optimizer = tf.train.adam(0.1, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 20; step++) {
      // ∇ ½Σ c·x² = c·x
      tf.tidy(() => adam.update(tf.mul(curvature, ours)));
      optimizer.minimize(() => tf.mul(tf.sum(tf.mul(curvature, tf.square(reference))), 0.5), false, [
        reference,
      ]);
    }
    const a = ours.dataSync();
    const b = reference.dataSync();
    a.forEach((value, i) => void expect(value).toBeCloseTo(b[i], 4));
    // and it moved: Adam's first step is ≈ lr against the gradient's sign.
    expect(a[0]).not.toBeCloseTo(start[0], 1);
    adam.dispose();
    optimizer.dispose();
    tf.dispose([curvature, ours, reference]);
  });
});
