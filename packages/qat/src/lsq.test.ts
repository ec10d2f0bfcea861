import {
  fakeQuantizePerTensor,
  initBackend,
  lsqFakeQuantize,
  perChannel,
  quantArgs,
  tf,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lsqGradScale, lsqPlusFakeQuantize } from './lsq';

/** A smooth loss of the quantizer output: L = Σ c·y + ½ Σ y². */
const lossOf = (y: number[], c: number[]) => y.reduce((sum, v, i) => sum + c[i] * v + 0.5 * v * v, 0);
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const centralDifference = (f: (h: number) => number, h = 1e-4) => (f(h) - f(-h)) / (2 * h);

/**
 * An honest finite-difference reference for a rounding quantizer: round(v) is frozen at its value at
 * the base point (R) while v = x/s still moves, F = s·(clamp(R + v − v₀ + Z, q_min, q_max) − Z), with
 * Z = round(z₀) + (z − z₀). Its exact derivative is LSQ's (and LSQ+'s) straight-through gradient, so
 * central differences of the smooth loss through F must equal the tfjs gradients (÷ the gradient scale g).
 */
function frozenRoundQuantizer(
  x0: number[],
  s0: number[],
  z0: number,
  qmin: number,
  qmax: number,
  perElementScale: (i: number) => number,
) {
  const R = x0.map((x, i) => Math.round(x / s0[perElementScale(i)]));
  return (x: number[], s: number[], z: number) =>
    x.map((xi, i) => {
      const k = perElementScale(i);
      const v = xi / s[k] - x0[i] / s0[k];
      const Z = Math.round(z0) + (z - z0);
      return s[k] * (clamp(R[i] + v + Z, qmin, qmax) - Z);
    });
}

describe.each(TEST_BACKENDS)('%s', (backend) => {
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

  // v = x/s per channel: inside the 4-bit signed range [-8, 7] away from its edges, and outside both ends.
  const v0 = [-9.3, -3.2, 0.7, 2.2, 5.9, 8.6];
  const inside = v0.map((v) => v > -7.5 && v < 6.5);
  const s0 = [0.1, 0.25];
  const x0 = [...v0.map((v) => v * s0[0]), ...v0.map((v) => -v * s0[1])];
  const c = x0.map((_, i) => Math.sin(1.7 * i + 0.3));

  function lsqWeightGrads() {
    const args = quantArgs({ bits: 4, symmetric: true, granularity: perChannel(0) });
    return tf.tidy(() => {
      const x = tf.tensor2d(x0, [2, 6]);
      const s = tf.tensor1d(s0);
      const cT = tf.tensor2d(c, [2, 6]);
      const loss = (xs: tf.Tensor, ss: tf.Tensor) => {
        const y = lsqFakeQuantize(xs, ss, args);
        return tf.add(tf.sum(tf.mul(cT, y)), tf.mul(0.5, tf.sum(tf.square(y)))) as tf.Scalar;
      };
      const [dx, ds] = tf.grads(loss)([x, s]);
      const y = lsqFakeQuantize(x, s, args);
      return { dx: Array.from(dx.dataSync()), ds: Array.from(ds.dataSync()), y: Array.from(y.dataSync()) };
    });
  }

  it('LSQ weight gradients (x and per-channel step size) match central differences with round frozen', () => {
    const { dx, ds } = lsqWeightGrads();
    const F = frozenRoundQuantizer(x0, s0, 0, -8, 7, (i) => Math.floor(i / 6));
    const g = 1 / Math.sqrt(6 * 7);
    x0.forEach((_, k) => {
      const fd = centralDifference((h) =>
        lossOf(
          F(
            x0.map((x, i) => (i === k ? x + h : x)),
            s0,
            0,
          ),
          c,
        ),
      );
      expect(dx[k]).toBeCloseTo(fd, 3);
    });
    s0.forEach((_, k) => {
      const fd = centralDifference((h) =>
        lossOf(
          F(
            x0,
            s0.map((s, i) => (i === k ? s + h : s)),
            0,
          ),
          c,
        ),
      );
      expect(ds[k]).toBeCloseTo(g * fd, 3);
    });
  });

  it("LSQ's analytic step-size gradient and the STE x-gradient (1 inside, 0 outside)", () => {
    const { dx, ds, y } = lsqWeightGrads();
    const dy = y.map((v, i) => c[i] + v);
    const g = lsqGradScale(6, quantArgs({ bits: 4, symmetric: true }));
    expect(g).toBeCloseTo(1 / Math.sqrt(42), 12);
    for (let ch = 0; ch < 2; ch++) {
      let expected = 0;
      for (let j = 0; j < 6; j++) {
        const i = ch * 6 + j;
        const v = x0[i] / s0[ch];
        const inRange = ch === 0 ? inside[j] : -v0[j] > -7.5 && -v0[j] < 6.5;
        const partial = inRange ? Math.round(v) - v : clamp(Math.round(v), -8, 7);
        expected += dy[i] * partial;
        expect(dx[i]).toBeCloseTo(inRange ? dy[i] : 0, 4);
      }
      expect(ds[ch]).toBeCloseTo(g * expected, 4);
    }
  });

  describe('LSQ+ (learnable zero point)', () => {
    const args = quantArgs({ bits: 4 }); // asymmetric uint4: codes 0..15
    const s = 0.2;
    const z = 3.2; // round → 3
    // v + 3 inside (0.5, 14.5) or outside [0, 15].
    const v = [-5.4, -1.8, 0.3, 4.6, 10.7, 13.1, 14.9, -3.7];
    const xs = v.map((vi) => vi * s);
    const cs = xs.map((_, i) => Math.cos(0.9 * i + 0.2));
    const g = 1 / Math.sqrt(xs.length * 15);

    function grads() {
      return tf.tidy(() => {
        const x = tf.tensor1d(xs);
        const sT = tf.scalar(s);
        const zT = tf.scalar(z);
        const cT = tf.tensor1d(cs);
        const loss = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
          const y = lsqPlusFakeQuantize(a, b, d, args);
          return tf.add(tf.sum(tf.mul(cT, y)), tf.mul(0.5, tf.sum(tf.square(y)))) as tf.Scalar;
        };
        return tf
          .grads(loss)([x, sT, zT])
          .map((t) => Array.from(t.dataSync()));
      });
    }

    it('gradients in x, scale and zero point match central differences with round frozen', () => {
      const [dx, ds, dz] = grads();
      const F = frozenRoundQuantizer(xs, [s], z, 0, 15, () => 0);
      xs.forEach((_, k) => {
        const fd = centralDifference((h) =>
          lossOf(
            F(
              xs.map((x, i) => (i === k ? x + h : x)),
              [s],
              z,
            ),
            cs,
          ),
        );
        expect(dx[k]).toBeCloseTo(fd, 3);
      });
      expect(ds[0]).toBeCloseTo(g * centralDifference((h) => lossOf(F(xs, [s + h], z), cs)), 3);
      expect(dz[0]).toBeCloseTo(g * centralDifference((h) => lossOf(F(xs, [s], z + h), cs)), 3);
      // Saturated elements exist on both sides, so the zero-point gradient is not trivially 0.
      expect(Math.abs(dz[0])).toBeGreaterThan(1e-3);
    });

    it('forward equals fakeQuantizePerTensor with the rounded zero point (what withActivationQuantization runs)', () => {
      const [ours, reference] = tf.tidy(() => {
        const x = tf.tensor1d(xs.map((t, i) => t + 0.013 * i));
        return [
          lsqPlusFakeQuantize(x, tf.scalar(s), tf.scalar(z), args).dataSync(),
          fakeQuantizePerTensor(x, { scale: s, zeroPoint: 3 }, args).dataSync(),
        ];
      });
      expect(Array.from(ours)).toEqual(Array.from(reference));
    });
  });
});
