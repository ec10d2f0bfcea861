import { initBackend, perChannel, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { PerChannelMinMaxObserver } from './per-channel-min-max-observer';
import { BACKENDS, expectNoLeak, expectScales, observe } from './test-utils';

const ROWS = [
  [-1, 0.5, 2],
  [0, 1, 4],
];

describe.each(BACKENDS)('PerChannelMinMaxObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('axis 0 by default: rows [−1, 2] → 3/255, zp 85 and [0, 4] → 4/255, zp 0', () => {
    const observer = new PerChannelMinMaxObserver();
    expect(observer.args.granularity).toEqual(perChannel(0));
    const { scale, zeroPoint } = observe(observer, tf.tensor(ROWS));
    expectScales(scale, [3 / 255, 4 / 255]);
    expect(zeroPoint).toEqual([85, 0]);
  });

  it('axis option, and the axis of per-channel args when no option is given', () => {
    // Columns [−1, 0] → scale 1/255, zp 255; [0.5, 1] → [0, 1]; [2, 4] → [0, 4].
    for (const observer of [
      new PerChannelMinMaxObserver({ axis: 1 }),
      new PerChannelMinMaxObserver({ args: { granularity: perChannel(-1) } }),
    ]) {
      const { scale, zeroPoint } = observe(observer, tf.tensor(ROWS));
      expectScales(scale, [1 / 255, 1 / 255, 4 / 255]);
      expect(zeroPoint).toEqual([255, 0, 0]);
    }
  });

  it('symmetric qint8 per channel: scale max|x| / 127.5', () => {
    const observer = new PerChannelMinMaxObserver({ args: { symmetric: true } });
    const { scale, zeroPoint } = observe(observer, tf.tensor(ROWS));
    expectScales(scale, [2 / 127.5, 4 / 127.5]);
    expect(zeroPoint).toEqual([0, 0]);
  });

  it('running min/max per channel over updates: row 0 → [−3, 2] = 5/255, zp 153', () => {
    const second = tf.tensor([
      [-3, 0, 1],
      [1, 1, 1],
    ]);
    const { scale, zeroPoint } = observe(new PerChannelMinMaxObserver(), tf.tensor(ROWS), second);
    expectScales(scale, [5 / 255, 4 / 255]);
    expect(zeroPoint).toEqual([153, 0]);
  });

  it('rank-3 activations, channel axis 1', () => {
    // Channel c of x[b, c, i] = (c + 1) · (i − 1) for i in 0..2, b in 0..1 → range [−(c+1), c+1].
    const values = [0, 1].flatMap(() => [0, 1, 2].flatMap((c) => [0, 1, 2].map((i) => (c + 1) * (i - 1))));
    const observer = new PerChannelMinMaxObserver({ axis: 1, args: { symmetric: true } });
    const { scale } = observe(observer, tf.tensor3d(values, [2, 3, 3]));
    expectScales(scale, [1 / 127.5, 2 / 127.5, 3 / 127.5]);
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new PerChannelMinMaxObserver({ axis: 1 }), () => tf.randomNormal([4, 6]));
  });
});
