import { initBackend, LowbitError, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MovingAverageMinMaxObserver } from './moving-average-min-max-observer';
import { BACKENDS, expectNoLeak, expectScales, observe } from './test-utils';

describe.each(BACKENDS)('MovingAverageMinMaxObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('averages batch extremes with c = 0.01 after the first batch (hand computed)', () => {
    // Batch 1 [−1, 0.5, 2]: min −1, max 2 (set directly).
    // Batch 2 [−3, 1, 4]:   min = −1 + 0.01·(−3 + 1) = −1.02,       max = 2 + 0.01·(4 − 2) = 2.02.
    // Batch 3 [0.5, 1, 1.5]: min = −1.02 + 0.01·(0.5 + 1.02) = −1.0048, max = 2.02 + 0.01·(1.5 − 2.02) = 2.0148.
    // scale = (2.0148 + 1.0048) / 255 = 3.0196 / 255; zp = −round(−1.0048 / scale) = −round(−84.853) = 85.
    const batches = [tf.tensor([-1, 0.5, 2]), tf.tensor([-3, 1, 4]), tf.tensor([0.5, 1, 1.5])];
    const { scale, zeroPoint } = observe(new MovingAverageMinMaxObserver(), ...batches);
    expectScales(scale, [3.0196 / 255]);
    expect(zeroPoint).toEqual([85]);
  });

  it('two batches with a custom constant c = 0.5 and symmetric qint8', () => {
    // min = −1 + 0.5·(−3 + 1) = −2, max = 2 + 0.5·(4 − 2) = 3 → scale = 3 / 127.5, zp 0.
    const observer = new MovingAverageMinMaxObserver({ averagingConstant: 0.5, args: { symmetric: true } });
    const { scale, zeroPoint } = observe(observer, tf.tensor([-1, 0.5, 2]), tf.tensor([-3, 1, 4]));
    expectScales(scale, [3 / 127.5]);
    expect(zeroPoint).toEqual([0]);
  });

  it('rejects an averaging constant outside (0, 1]', () => {
    expect(() => new MovingAverageMinMaxObserver({ averagingConstant: 0 })).toThrow(LowbitError);
    expect(() => new MovingAverageMinMaxObserver({ averagingConstant: 1.5 })).toThrow(/averagingConstant/);
  });

  it('NaN input names the observer; compute before update fails', () => {
    const observer = new MovingAverageMinMaxObserver();
    const bad = tf.tensor([Number.NaN]);
    expect(() => observer.update(bad)).toThrow(/MovingAverageMinMaxObserver/);
    bad.dispose();
    expect(() => observer.compute()).toThrow(/call update\(x\)/);
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new MovingAverageMinMaxObserver(), () => tf.randomNormal([16]));
  });
});
