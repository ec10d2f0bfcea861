import {
  disposeQParams,
  fakeQuantize,
  initBackend,
  LowbitError,
  perChannel,
  perGroup,
  tf,
} from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MinMaxObserver } from './min-max-observer';
import { MseObserver } from './mse-observer';
import type { Observer } from './observer';
import { PerChannelMinMaxObserver } from './per-channel-min-max-observer';
import {
  BACKENDS,
  expectNoLeak,
  expectScales,
  fakeQuantMse,
  laplaceWithOutliers,
  mseVersusMinMax,
  observe,
} from './test-utils';

/** Per-channel fake-quantization MSE of rows of x with the observer's qparams. */
function channelMse(observer: Observer, x: tf.Tensor): number[] {
  observer.update(x);
  const qp = observer.compute();
  const mse = tf.tidy(() =>
    Array.from(tf.mean(tf.square(tf.sub(fakeQuantize(x, qp, observer.args), x)), 1).dataSync()),
  );
  disposeQParams(qp);
  return mse;
}

describe.each(BACKENDS)('MseObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([
    [8, 0.95],
    [4, 0.5],
  ])('beats MinMax on heavy-tailed data at %i bits (1M values, 65536 sampled)', (bits, factor) => {
    // The appended extremes outweigh their share of 1M values, so at 8 bits the search clips less
    // than the full data would justify; it still beats MinMax.
    const mse = mseVersusMinMax(new MseObserver({ args: { bits } }));
    expect(mse.observer).toBeLessThan(factor * mse.minmax);
  });

  it('searches the exact data while it fits: 20k heavy-tailed values at 8 bits', () => {
    const data = laplaceWithOutliers(20_000, 1234, [60, -45, 80, -70]);
    const mse = fakeQuantMse(new MseObserver(), data);
    expect(mse).toBeLessThan(fakeQuantMse(new MinMaxObserver(), data));
  });

  it('several updates equal one update while the data fits in the sample', () => {
    const data = laplaceWithOutliers(3000, 11, [25]);
    const args = { bits: 4 };
    const whole = observe(new MseObserver({ args }), tf.tensor(data));
    const split = observe(
      new MseObserver({ args }),
      tf.tensor(data.subarray(0, 1000)),
      tf.tensor(data.subarray(1000)),
    );
    expect(split).toEqual(whole);
  });

  it('a bounded sample keeps the exact extremes: with the ratio grid {1} it is MinMax', () => {
    const data = laplaceWithOutliers(20_000, 3, [30, -25]);
    const sampled = observe(new MseObserver({ sampleSize: 500, grid: 1 }), tf.tensor(data));
    const minmax = observe(new MinMaxObserver(), tf.tensor(data));
    expectScales(sampled.scale, minmax.scale);
    expect(sampled.zeroPoint).toEqual(minmax.zeroPoint);
  });

  it('per-channel: one clip ratio per row, each row at most MinMax’s error', () => {
    // Rows of Laplace noise at scales 1, 2, 4, 8, each with one outlier at 12× its scale.
    const rows = [1, 2, 4, 8].flatMap((s, r) =>
      Array.from(laplaceWithOutliers(1999, 20 + r, [12]), (v) => v * s),
    );
    const x = tf.tensor2d(rows, [4, 2000]);
    const args = { bits: 4, granularity: perChannel(0) };
    const mse = channelMse(new MseObserver({ args }), x);
    const minmax = channelMse(new PerChannelMinMaxObserver({ args }), x);
    x.dispose();
    for (const [row, m] of mse.entries()) expect(m).toBeLessThanOrEqual(minmax[row]);
    expect(mse.reduce((a, b) => a + b)).toBeLessThan(0.9 * minmax.reduce((a, b) => a + b));
  });

  it('rejects group granularity, bad search options and a changed channel count', () => {
    expect(() => new MseObserver({ args: { granularity: perGroup(32) } })).toThrow(/searchClipQParams/);
    expect(() => new MseObserver({ maxShrink: 1 })).toThrow(LowbitError);
    expect(() => new MseObserver({ norm: 0 })).toThrow(/norm/);
    const observer = new MseObserver({ args: { granularity: perChannel(0) } });
    observe(observer, tf.zeros([2, 4]));
    const x = tf.zeros([3, 4]);
    expect(() => observer.update(x)).toThrow(/same channel count/);
    x.dispose();
  });

  it('NaN input names the observer; compute before update fails', () => {
    const observer = new MseObserver();
    expect(() => observer.compute()).toThrow(/call update\(x\)/);
    const bad = tf.tensor([0, Number.NaN]);
    expect(() => observer.update(bad)).toThrow(/MseObserver/);
    bad.dispose();
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new MseObserver({ grid: 10 }), () => tf.randomNormal([256]));
    expectNoLeak(new MseObserver({ grid: 10, args: { granularity: perChannel(1) } }), () =>
      tf.randomNormal([8, 3]),
    );
  });
});
