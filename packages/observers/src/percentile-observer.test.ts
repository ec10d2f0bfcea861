import { initBackend, LowbitError, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MinMaxObserver } from './min-max-observer';
import { PercentileObserver } from './percentile-observer';
import { BACKENDS, expectNoLeak, expectScales, mseVersusMinMax, observe } from './test-utils';

// Values −5000 … 4999: the exact (linear-interpolated) 1st and 99th percentiles are
// −5000 + 0.01·9999 = −4900.01 and −5000 + 0.99·9999 = 4899.01, a range of 9799.02.
const RAMP = Array.from({ length: 10_000 }, (_, i) => i - 5000);
const BIN_WIDTH = 9999 / 2048;

describe.each(BACKENDS)('PercentileObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('reads both tails: the 99th-percentile range is within two bins of 9799.02', () => {
    const { scale } = observe(new PercentileObserver({ percentile: 99 }), tf.tensor(RAMP));
    expect(Math.abs(scale[0] * 255 - 9799.02)).toBeLessThan(2 * BIN_WIDTH);
  });

  it('the same percentiles over several batches', () => {
    const batches = [RAMP.slice(4000, 6000), RAMP.slice(0, 4000), RAMP.slice(6000)].map((b) => tf.tensor(b));
    const { scale } = observe(new PercentileObserver({ percentile: 99 }), ...batches);
    expect(Math.abs(scale[0] * 255 - 9799.02)).toBeLessThan(2 * BIN_WIDTH);
  });

  it('percentile 100 is MinMax', () => {
    const data = [-1, 0.5, 2, 1.25, -0.75];
    const minmax = observe(new MinMaxObserver(), tf.tensor(data));
    const full = observe(new PercentileObserver({ percentile: 100 }), tf.tensor(data));
    expectScales(full.scale, minmax.scale);
    expect(full.zeroPoint).toEqual(minmax.zeroPoint);
  });

  it.each([8, 4])('the default 99.99th percentile beats MinMax on heavy-tailed data at %i bits', (bits) => {
    const mse = mseVersusMinMax(new PercentileObserver({ args: { bits } }));
    expect(mse.observer).toBeLessThan(0.6 * mse.minmax);
  });

  it('rejects a percentile outside (50, 100], per-channel args, NaN and compute before update', () => {
    expect(() => new PercentileObserver({ percentile: 40 })).toThrow(/percentile/);
    expect(() => new PercentileObserver({ percentile: 101 })).toThrow(LowbitError);
    expect(() => new PercentileObserver({ args: { granularity: perChannel(0) } })).toThrow(/per-tensor/);
    const observer = new PercentileObserver();
    expect(() => observer.compute()).toThrow(/call update\(x\)/);
    const bad = tf.tensor([Number.NaN]);
    expect(() => observer.update(bad)).toThrow(/PercentileObserver/);
    bad.dispose();
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new PercentileObserver(), () => tf.randomNormal([256]));
  });
});
