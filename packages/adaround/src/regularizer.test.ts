import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rectifiedSigmoid } from './rectified-sigmoid';
import { betaSchedule, regularizerGradient, roundingRegularizer } from './regularizer';

describe('β schedule', () => {
  it('keeps the regulariser off for the 20 % warm start, then anneals 20 → 2 on a cosine (AIMET)', () => {
    expect(betaSchedule(0)).toEqual({ beta: 20, regularize: false });
    expect(betaSchedule(0.199)).toEqual({ beta: 20, regularize: false });
    expect(betaSchedule(0.2)).toEqual({ beta: 20, regularize: true });
    // 60 %: r = 0.4/0.8 = ½, cos(π/2) = 0 → β = 2 + ½·18 = 11.
    expect(betaSchedule(0.6).beta).toBeCloseTo(11, 12);
    // 40 %: r = ¼ → β = 2 + 9·(1 + cos(π/4)) = 17.363961.
    expect(betaSchedule(0.4).beta).toBeCloseTo(17.363961, 5);
    expect(betaSchedule(1).beta).toBeCloseTo(2, 12);
  });

  it('anneals linearly on request and honours the range and warm start', () => {
    const linear = { betaDecay: 'linear' as const };
    expect(betaSchedule(0.6, linear).beta).toBeCloseTo(11, 12);
    // 40 %: r = ¼ → β = 2 + 18·¾ = 15.5 (the cosine gives 17.36 here).
    expect(betaSchedule(0.4, linear).beta).toBeCloseTo(15.5, 12);
    expect(betaSchedule(1, linear).beta).toBeCloseTo(2, 12);
    const custom = { betaRange: [10, 4] as const, warmStart: 0.5 };
    expect(betaSchedule(0.4, custom)).toEqual({ beta: 10, regularize: false });
    expect(betaSchedule(0.75, custom).beta).toBeCloseTo(7, 12);
  });
});

describe.each(TEST_BACKENDS)('rounding regulariser (%s)', (backend) => {
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

  it('sums 1 − |2h(V) − 1|^β over a hand-worked V', () => {
    // V = 0 → h = ½ → 1; V = 10 → h = 1 → 0; V = ln 3 → h = 0.8 → 1 − 0.6^β; V = −ln 3 → h = 0.2 → the same.
    // β = 2: 1 + 0 + 0.64 + 0.64 = 2.28; β = 20: 1 + 0 + 2·(1 − 0.6^20) = 2.99992688.
    const v = tf.tensor1d([0, 10, Math.log(3), -Math.log(3)]);
    const h = rectifiedSigmoid(v);
    const atTwo = roundingRegularizer(h, 2);
    const atTwenty = roundingRegularizer(h, 20);
    expect(atTwo.dataSync()[0]).toBeCloseTo(2.28, 5);
    expect(atTwenty.dataSync()[0]).toBeCloseTo(1 + 2 * (1 - 0.6 ** 20), 5);
    tf.dispose([v, h, atTwo, atTwenty]);
  });

  it('pushes h towards the nearer of 0 and 1 (gradient sign)', () => {
    const grad = tf.grad((v: tf.Tensor) => roundingRegularizer(rectifiedSigmoid(v), 2));
    const g = tf.tidy(() => grad(tf.tensor1d([0.5, -0.5])));
    const [up, down] = g.dataSync();
    g.dispose();
    // Gradient descent moves V against the gradient: V = 0.5 (h > ½) up, V = −0.5 down.
    expect(up).toBeLessThan(0);
    expect(down).toBeGreaterThan(0);
  });
});

describe.each(TEST_BACKENDS)('regulariser gradient (%s)', (backend) => {
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

  it.each([20, 7.5, 3, 2])('β = %d: λ·∂R/∂h matches autodiff of the regulariser', (beta) => {
    const h = tf.tensor1d([0, 0.05, 0.3, 0.49, 0.51, 0.8, 0.97, 1]);
    const fast = regularizerGradient(h, beta, 0.01);
    const reference = tf.grad((x: tf.Tensor) => tf.mul(roundingRegularizer(x, beta), 0.01))(h);
    const a = fast.dataSync();
    const b = reference.dataSync();
    a.forEach((value, i) => void expect(value).toBeCloseTo(b[i], 6));
    tf.dispose([h, fast, reference]);
  });

  it('is 0 at h = ½ for β = 2 (hand-worked: −2λβ·u·|u|^0 with u = 0) and −2λβ at h = 1', () => {
    const h = tf.tensor1d([0.5, 1, 0]);
    const g = regularizerGradient(h, 2, 0.5);
    expect(Array.from(g.dataSync(), (x) => x + 0)).toEqual([0, -2, 2]);
    g.dispose();
    h.dispose();
  });
});
