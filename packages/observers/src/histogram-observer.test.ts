import { initBackend, LowbitError, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { HistogramObserver } from './histogram-observer';
import {
  BACKENDS,
  expectNoLeak,
  expectScales,
  heavyTailedData,
  mseVersusMinMax,
  observe,
} from './test-utils';

describe.each(BACKENDS)('HistogramObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([8, 4])('beats MinMax on heavy-tailed data at %i bits', (bits) => {
    const mse = mseVersusMinMax(new HistogramObserver({ args: { bits } }));
    expect(mse.observer).toBeLessThan(0.6 * mse.minmax);
  });

  it('symmetric args: zero point 0 and a range clipped well inside max|x| = 80', () => {
    const observer = new HistogramObserver({ args: { bits: 4, symmetric: true } });
    const { scale, zeroPoint } = observe(observer, tf.tensor(heavyTailedData()));
    expect(zeroPoint).toEqual([0]);
    expect(scale[0]).toBeLessThan(0.25 * (80 / 7.5));
  });

  it('keeps the full range of evenly spread data', () => {
    // 4096 evenly spaced values in [−1, 3]: clipping only adds error, so scale ≈ 4/255.
    const values = Array.from({ length: 4096 }, (_, i) => -1 + (4 * i) / 4095);
    const { scale } = observe(new HistogramObserver(), tf.tensor(values));
    expect(scale[0]).toBeGreaterThan(0.97 * (4 / 255));
    expect(scale[0]).toBeLessThanOrEqual((4 / 255) * (1 + 1e-6));
  });

  it('merges batches whose range grows into one histogram', () => {
    // The same evenly spread values in three batches of growing range give the same answer.
    const values = Array.from({ length: 4096 }, (_, i) => -1 + (4 * i) / 4095);
    const whole = observe(new HistogramObserver(), tf.tensor(values));
    const parts = [values.slice(1024, 2048), values.slice(0, 1024), values.slice(2048)].map((v) =>
      tf.tensor(v),
    );
    const split = observe(new HistogramObserver(), ...parts);
    expect(Math.abs(split.scale[0] - whole.scale[0])).toBeLessThan(0.01 * whole.scale[0]);
    expect(Math.abs(split.zeroPoint[0] - whole.zeroPoint[0])).toBeLessThanOrEqual(1);
  });

  it('constant tensor: range [0, 3] like MinMax', () => {
    const { scale, zeroPoint } = observe(new HistogramObserver(), tf.fill([10], 3));
    expectScales(scale, [3 / 255]);
    expect(zeroPoint).toEqual([0]);
  });

  it('rejects per-channel args, NaN input and compute before update', () => {
    expect(() => new HistogramObserver({ args: { granularity: perChannel(0) } })).toThrow(/per-tensor/);
    expect(() => new HistogramObserver({ bins: 0 })).toThrow(LowbitError);
    const observer = new HistogramObserver();
    expect(() => observer.compute()).toThrow(/call update\(x\)/);
    const bad = tf.tensor([1, Number.NaN]);
    expect(() => observer.update(bad)).toThrow(/HistogramObserver/);
    bad.dispose();
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new HistogramObserver(), () => tf.randomNormal([256]));
  });
});
