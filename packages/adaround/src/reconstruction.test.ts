import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activate, datasetLoss, reconstructionLoss, reconstructionObjective } from './reconstruction';
import { linearApply } from './test-support/layers';
import { randn } from './test-support/random';

describe.each(TEST_BACKENDS)('activation-aware reconstruction loss (%s)', (backend) => {
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

  it('drops a channel whose outputs are all negative after the ReLU (hand-worked)', () => {
    // Two rows, two channels. Channel 0: bias 0; channel 1: bias −10 keeps every output below 0.
    const output = tf.tensor2d([1, 2, -1, 3], [2, 2]);
    const target = tf.tensor2d([0.5, 1, 0.5, 4], [2, 2]);
    const reluBias = tf.tensor2d([0, -10], [1, 2]);
    const activated = activate(target, reluBias);
    // Pre-activation: ((0.5)² + 1² + (1.5)² + 1²)/2 rows = 4.5/2.
    const scalar = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]);
    expect(scalar(() => reconstructionLoss(output, target))).toBeCloseTo(2.25, 6);
    // Post-ReLU: channel 1 is 0 everywhere; channel 0: relu(1) − 0.5 = 0.5, relu(−1) − 0.5 = −0.5 → 0.5/2.
    expect(Array.from(activated.dataSync())).toEqual([0.5, 0, 0.5, 0]);
    expect(scalar(() => reconstructionLoss(activate(output, reluBias), activated))).toBeCloseTo(0.25, 6);
    tf.dispose([output, target, reluBias, activated]);
  });

  it.each([
    ['with a ReLU', true],
    ['pre-activation', false],
  ])('objective %s: value and two-op gradient match tfjs autodiff of the plain loss', (_, relu) => {
    const output = tf.tensor4d(randn(2 * 3 * 4 * 4, 3), [2, 3, 4, 4]);
    const reluBias = relu ? tf.tensor4d([0.3, -0.5, 0], [1, 3, 1, 1]) : undefined;
    const target = tf.tidy(() => activate(tf.tensor4d(randn(96, 4), [2, 3, 4, 4]), reluBias));
    const plain = (o: tf.Tensor) => reconstructionLoss(activate(o, reluBias), target);
    const fast = reconstructionObjective(target, reluBias);
    const expected = tf.valueAndGrad(plain)(output);
    const actual = tf.valueAndGrad(fast)(output);
    expect(actual.value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0], 5);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(actual.grad, expected.grad))).dataSync()[0]);
    expect(gap).toBeLessThan(1e-6);
    tf.dispose([output, target, expected.value, expected.grad, actual.value, actual.grad]);
    if (reluBias) reluBias.dispose();
  });

  it('evaluates a dataset in chunks with the same value as one pass', () => {
    const inputs = tf.tensor2d(randn(600 * 5, 6), [600, 5]);
    const weight = tf.tensor2d(randn(15, 7), [3, 5]);
    const reluBias = tf.tensor2d([0.1, -0.2, 0.3], [1, 3]);
    const targets = tf.tidy(() => activate(tf.add(linearApply(inputs, weight), 0.1), reluBias));
    const whole = tf.tidy(() =>
      reconstructionLoss(activate(linearApply(inputs, weight), reluBias), targets).dataSync(),
    )[0];
    expect(datasetLoss(inputs, targets, weight, linearApply, reluBias)).toBeCloseTo(whole, 5);
    tf.dispose([inputs, weight, reluBias, targets]);
  });
});
