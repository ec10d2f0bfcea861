import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inverseRectifiedSigmoid, rectifiedSigmoid, rectifiedSigmoidSlope } from './rectified-sigmoid';

describe.each(TEST_BACKENDS)('rectified sigmoid (%s)', (backend) => {
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

  function values(f: () => tf.Tensor): number[] {
    const t = tf.tidy(f);
    const out = Array.from(t.dataSync());
    t.dispose();
    return out;
  }

  it('maps V onto [γ, ζ] = [−0.1, 1.1] and clips to [0, 1] (hand-worked)', () => {
    // sigmoid(0) = ½ → 0.5·1.2 − 0.1 = 0.5; sigmoid(ln 3) = ¾ → 0.8; sigmoid(−ln 3) = ¼ → 0.2;
    // sigmoid(±10) ≈ 1 / 0 → 1.1 / −0.1, clipped to 1 / 0.
    const h = values(() => rectifiedSigmoid(tf.tensor1d([0, Math.log(3), -Math.log(3), 10, -10])));
    const expected = [0.5, 0.8, 0.2, 1, 0];
    h.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 6);
    });
  });

  it('initialises V so that h(V) is the fractional part (hand-worked inverse)', () => {
    // fraction 0.25: p = (0.25 + 0.1)/1.2 = 0.291667, V = ln(p/(1 − p)) = ln(0.411765) = −0.887303;
    // fraction 0.5: p = ½, V = 0; fraction 0: p = 1/12, V = −ln 11 = −2.397895.
    const v = values(() => inverseRectifiedSigmoid(tf.tensor1d([0.25, 0.5, 0, 0.9])));
    expect(v[0]).toBeCloseTo(-0.887303, 5);
    expect(v[1]).toBeCloseTo(0, 6);
    expect(v[2]).toBeCloseTo(-Math.log(11), 5);
    // fraction 0.9: p = 1/1.2, V = ln 5.
    expect(v[3]).toBeCloseTo(Math.log(5), 5);
    const roundTrip = values(() =>
      rectifiedSigmoid(inverseRectifiedSigmoid(tf.tensor1d([0, 0.13, 0.5, 0.99]))),
    );
    [0, 0.13, 0.5, 0.99].forEach((f, i) => {
      expect(roundTrip[i]).toBeCloseTo(f, 5);
    });
  });

  it('has zero gradient where it saturates and (ζ − γ)·σ(1 − σ) inside', () => {
    const grad = values(() =>
      tf.grad((v: tf.Tensor) => tf.sum(rectifiedSigmoid(v)))(tf.tensor1d([0, 10, -10])),
    );
    expect(grad[0]).toBeCloseTo(1.2 * 0.25, 6);
    expect(grad[1]).toBe(0);
    expect(grad[2]).toBe(0);
  });

  it('slope from σ matches autodiff of h, clip points included (σ = 1/12 ↔ V = −ln 11)', () => {
    const points = [-6, -2.5, -Math.log(11) - 0.01, -Math.log(11) + 0.01, -0.3, 0, 1.7, 2.3, 2.5, 6];
    const slope = values(() => rectifiedSigmoidSlope(tf.sigmoid(tf.tensor1d(points))));
    const grad = values(() => tf.grad((v: tf.Tensor) => tf.sum(rectifiedSigmoid(v)))(tf.tensor1d(points)));
    slope.forEach((value, i) => void expect(value).toBeCloseTo(grad[i], 6));
    expect(slope[2]).toBe(0);
    expect(slope[3]).toBeGreaterThan(0.09);
  });
});
