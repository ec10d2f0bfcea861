import { initBackend, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MovingAveragePerChannelMinMaxObserver } from './moving-average-per-channel-min-max-observer';
import { BACKENDS, expectNoLeak, expectScales, observe } from './test-utils';

describe.each(BACKENDS)('MovingAveragePerChannelMinMaxObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('averages each channel with c = 0.01 (hand computed)', () => {
    const first = tf.tensor([
      [-1, 0.5, 2],
      [0, 1, 4],
    ]);
    const second = tf.tensor([
      [-3, 0, 4],
      [-2, 2, 6],
    ]);
    // Row 0: min = −1 + 0.01·(−3 + 1) = −1.02, max = 2 + 0.01·(4 − 2) = 2.02
    //        → scale 3.04/255, zp = −round(−1.02 / 0.0119216) = −round(−85.56) = 86.
    // Row 1: min = 0 + 0.01·(−2 − 0) = −0.02, max = 4 + 0.01·(6 − 4) = 4.02
    //        → scale 4.04/255, zp = −round(−0.02 / 0.0158431) = −round(−1.26) = 1.
    const observer = new MovingAveragePerChannelMinMaxObserver();
    expect(observer.args.granularity).toEqual(perChannel(0));
    const { scale, zeroPoint } = observe(observer, first, second);
    expectScales(scale, [3.04 / 255, 4.04 / 255]);
    expect(zeroPoint).toEqual([86, 1]);
  });

  it('axis 1 with three updates (hand computed)', () => {
    // Column 0 sees maxima 1, 3, 5 (minima 0): max = 1 → 1 + 0.01·2 = 1.02 → 1.02 + 0.01·(5 − 1.02) = 1.0598.
    // Column 1 sees minima −1, −1, −4 (maxima 0): min = −1 → −1 → −1 + 0.01·(−4 + 1) = −1.03.
    const batches = [
      [
        [0, -1],
        [1, 0],
      ],
      [
        [3, -1],
        [0, 0],
      ],
      [
        [5, -4],
        [0, 0],
      ],
    ].map((b) => tf.tensor(b));
    const observer = new MovingAveragePerChannelMinMaxObserver({ axis: 1, args: { symmetric: true } });
    const { scale, zeroPoint } = observe(observer, ...batches);
    expectScales(scale, [1.0598 / 127.5, 1.03 / 127.5]);
    expect(zeroPoint).toEqual([0, 0]);
  });

  it('names itself in errors', () => {
    const observer = new MovingAveragePerChannelMinMaxObserver();
    const bad = tf.tensor([[Number.POSITIVE_INFINITY]]);
    expect(() => observer.update(bad)).toThrow(/MovingAveragePerChannelMinMaxObserver/);
    bad.dispose();
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new MovingAveragePerChannelMinMaxObserver(), () => tf.randomNormal([3, 5]));
  });
});
