import { initBackend, LowbitError, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { EntropyObserver } from './entropy-observer';
import { klThresholdBins } from './kl-threshold';
import {
  BACKENDS,
  expectNoLeak,
  expectScales,
  laplaceWithOutliers,
  mseVersusMinMax,
  observe,
} from './test-utils';

describe.each(BACKENDS)('EntropyObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('defaults to symmetric qint8', () => {
    const observer = new EntropyObserver();
    expect([observer.args.symmetric, observer.args.signed, observer.args.bits]).toEqual([true, true, 8]);
  });

  it.each([8, 4])('beats MinMax on heavy-tailed data at %i bits', (bits) => {
    const mse = mseVersusMinMax(new EntropyObserver({ args: { bits } }));
    expect(mse.observer).toBeLessThan(0.6 * mse.minmax);
  });

  it('keeps the full range of uniform data: any clipping makes P diverge from Q', () => {
    // |x| is uniform, so KL is 0 only without clipping: T = max|x| = 2 → scale 2/127.5.
    const values = Array.from({ length: 8192 }, (_, i) => -2 + (4 * i) / 8191);
    const { scale, zeroPoint } = observe(new EntropyObserver(), tf.tensor(values));
    expectScales(scale, [2 / 127.5]);
    expect(zeroPoint).toEqual([0]);
  });

  it('asymmetric args keep a one-sided range one-sided: [0, T] with T < max', () => {
    const magnitudes = laplaceWithOutliers(20_000, 5, [40]).map(Math.abs);
    const { scale, zeroPoint } = observe(
      new EntropyObserver({ args: { symmetric: false } }),
      tf.tensor(magnitudes),
    );
    expect(zeroPoint).toEqual([0]);
    expect(scale[0]).toBeLessThan(0.5 * (40 / 255));
  });

  it('non-negative data under asymmetric uint8: the KL search models all 256 codes over [0, T]', () => {
    const magnitudes = laplaceWithOutliers(20_000, 5, [40]).map(Math.abs);
    const max = Math.max(...magnitudes);
    const counts = new Float64Array(2048);
    for (const v of magnitudes) counts[Math.min(2047, Math.floor((v / max) * 2048))] += 1;
    const expected = (bins: number) => (bins * max) / 2048;
    const t256 =
      255 * observe(new EntropyObserver({ args: { symmetric: false } }), tf.tensor(magnitudes)).scale[0];
    const t128 =
      127.5 * observe(new EntropyObserver({ args: { symmetric: true } }), tf.tensor(magnitudes)).scale[0];
    expect(t256).toBeCloseTo(expected(klThresholdBins(counts, 256, 128)), 3);
    expect(t128).toBeCloseTo(expected(klThresholdBins(counts, 128, 128)), 3);
  });

  it('merges batches with growing |x| range', () => {
    const data = laplaceWithOutliers(40_000, 9);
    const whole = observe(new EntropyObserver(), tf.tensor(data));
    const split = observe(
      new EntropyObserver(),
      tf.tensor(data.subarray(0, 20_000)),
      tf.tensor(data.subarray(20_000)),
    );
    expect(Math.abs(split.scale[0] - whole.scale[0])).toBeLessThan(0.05 * whole.scale[0]);
  });

  it('all-zero data gives the eps scale', () => {
    const { scale } = observe(new EntropyObserver(), tf.zeros([16]));
    expectScales(scale, [1.1920928955078125e-7]);
  });

  it('rejects per-channel args, NaN input and compute before update', () => {
    expect(() => new EntropyObserver({ args: { granularity: perChannel(0) } })).toThrow(LowbitError);
    const observer = new EntropyObserver();
    expect(() => observer.compute()).toThrow(/call update\(x\)/);
    const bad = tf.tensor([Number.NEGATIVE_INFINITY]);
    expect(() => observer.update(bad)).toThrow(/EntropyObserver/);
    bad.dispose();
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new EntropyObserver(), () => tf.randomNormal([256]));
  });
});
