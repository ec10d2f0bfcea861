import { FLOAT32_EPS, initBackend, LowbitError, perChannel, perGroup, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { MinMaxObserver } from './min-max-observer';
import { BACKENDS, expectNoLeak, expectScales, observe } from './test-utils';

// Expected values follow torch.ao's _calculate_qparams: the range is extended to include 0;
// asymmetric: scale = (max − min) / (qmax − qmin), zp = qmin − round(min / scale);
// symmetric: scale = max(|min|, max) / ((qmax − qmin) / 2), zp = 0 (qint8) or 128 (quint8).
const DATA = [-1, 0.5, 2];

describe.each(BACKENDS)('MinMaxObserver on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('asymmetric quint8: scale 3/255, zp 0 − round(−1 / (3/255)) = 85', () => {
    const { scale, zeroPoint } = observe(new MinMaxObserver(), tf.tensor(DATA));
    expectScales(scale, [3 / 255]);
    expect(zeroPoint).toEqual([85]);
  });

  it('symmetric qint8: scale 2/127.5, zp 0', () => {
    const { scale, zeroPoint } = observe(new MinMaxObserver({ args: { symmetric: true } }), tf.tensor(DATA));
    expectScales(scale, [2 / 127.5]);
    expect(zeroPoint).toEqual([0]);
  });

  it('symmetric quint8: scale 2/127.5, zp 128', () => {
    const observer = new MinMaxObserver({ args: { symmetric: true, signed: false } });
    const { scale, zeroPoint } = observe(observer, tf.tensor(DATA));
    expectScales(scale, [2 / 127.5]);
    expect(zeroPoint).toEqual([128]);
  });

  it('reduce_range quint8 (0..127): scale 3/127, zp −round(−42.33) = 42', () => {
    const { scale, zeroPoint } = observe(
      new MinMaxObserver({ args: { reduceRange: true } }),
      tf.tensor(DATA),
    );
    expectScales(scale, [3 / 127]);
    expect(zeroPoint).toEqual([42]);
  });

  it('reduce_range qint8 (−64..63): asymmetric zp −64 + 42 = −22; symmetric scale 2/63.5', () => {
    const asym = observe(new MinMaxObserver({ args: { signed: true, reduceRange: true } }), tf.tensor(DATA));
    expectScales(asym.scale, [3 / 127]);
    expect(asym.zeroPoint).toEqual([-22]);
    const sym = observe(
      new MinMaxObserver({ args: { symmetric: true, reduceRange: true } }),
      tf.tensor(DATA),
    );
    expectScales(sym.scale, [2 / 63.5]);
    expect(sym.zeroPoint).toEqual([0]);
  });

  it('per-channel granularity in args: one range per row or column', () => {
    const rows = [
      [-1, 0.5, 2],
      [0, 1, 4],
    ];
    const byRow = observe(new MinMaxObserver({ args: { granularity: perChannel(0) } }), tf.tensor(rows));
    expectScales(byRow.scale, [3 / 255, 4 / 255]);
    expect(byRow.zeroPoint).toEqual([85, 0]);
    // Columns [−1, 0], [0.5, 1] → [0, 1], [2, 4] → [0, 4]; zp of the first: −round(−1 / (1/255)) = 255.
    const byColumn = observe(new MinMaxObserver({ args: { granularity: perChannel(1) } }), tf.tensor(rows));
    expectScales(byColumn.scale, [1 / 255, 1 / 255, 4 / 255]);
    expect(byColumn.zeroPoint).toEqual([255, 0, 0]);
  });

  it('group granularity: groups [−1, 0.5] (scale 1.5/255, zp 170) and [2, 4] (4/255, 0)', () => {
    const observer = new MinMaxObserver({ args: { granularity: perGroup(2, -1) } });
    const { scale, zeroPoint } = observe(observer, tf.tensor([[-1, 0.5, 2, 4]]));
    expectScales(scale, [1.5 / 255, 4 / 255]);
    expect(zeroPoint).toEqual([170, 0]);
  });

  it('constant tensors: all 3 → range [0, 3]; all −2 → range [−2, 0], zp 255', () => {
    const positive = observe(new MinMaxObserver(), tf.fill([4], 3));
    expectScales(positive.scale, [3 / 255]);
    expect(positive.zeroPoint).toEqual([0]);
    const negative = observe(new MinMaxObserver(), tf.fill([4], -2));
    expectScales(negative.scale, [2 / 255]);
    expect(negative.zeroPoint).toEqual([255]);
    const symmetric = observe(new MinMaxObserver({ args: { symmetric: true } }), tf.fill([4], 3));
    expectScales(symmetric.scale, [3 / 127.5]);
  });

  it('all-zero tensor: scale floors at eps, zp 0 (asymmetric and symmetric)', () => {
    const asym = observe(new MinMaxObserver(), tf.zeros([5]));
    expectScales(asym.scale, [FLOAT32_EPS]);
    expect(asym.zeroPoint).toEqual([0]);
    const sym = observe(new MinMaxObserver({ args: { symmetric: true } }), tf.zeros([5]));
    expectScales(sym.scale, [FLOAT32_EPS]);
    expect(sym.zeroPoint).toEqual([0]);
  });

  it('several updates keep the running min and max: [−1, 0.5], [0.2, 2], [−0.5, 1] → [−1, 2]', () => {
    const batches = [tf.tensor([-1, 0.5]), tf.tensor([0.2, 2]), tf.tensor([-0.5, 1])];
    const { scale, zeroPoint } = observe(new MinMaxObserver(), ...batches);
    expectScales(scale, [3 / 255]);
    expect(zeroPoint).toEqual([85]);
  });

  it('reset forgets earlier updates', () => {
    const observer = new MinMaxObserver();
    observe(observer, tf.tensor([-10, 10]));
    observer.reset();
    const { scale, zeroPoint } = observe(observer, tf.tensor(DATA));
    expectScales(scale, [3 / 255]);
    expect(zeroPoint).toEqual([85]);
  });

  it('rejects a tensor whose channel count differs from earlier updates', () => {
    const observer = new MinMaxObserver({ args: { granularity: perChannel(0) } });
    observe(observer, tf.zeros([2, 3]));
    const x = tf.zeros([3, 3]);
    expect(() => observer.update(x)).toThrow(/same channel count/);
    x.dispose();
    observer.reset();
  });

  it('NaN input throws BAD_TENSOR naming the observer and keeps the state', () => {
    const observer = new MinMaxObserver();
    const good = tf.tensor(DATA);
    observer.update(good);
    const bad = tf.tensor([1, Number.NaN]);
    expect(() => observer.update(bad)).toThrow(LowbitError);
    expect(() => observer.update(bad)).toThrow(/MinMaxObserver/);
    const { zeroPoint } = observe(observer);
    expect(zeroPoint).toEqual([85]);
    tf.dispose([good, bad]);
    observer.reset();
  });

  it('compute before update says to call update first', () => {
    expect(() => new MinMaxObserver().compute()).toThrow(/call update\(x\)/);
  });

  it('leaves no tensors behind', () => {
    expectNoLeak(new MinMaxObserver(), () => tf.randomNormal([8, 4]));
    expectNoLeak(new MinMaxObserver({ args: { granularity: perChannel(1) } }), () => tf.randomNormal([8, 4]));
  });
});

describe('MinMaxObserver inside a tf.tidy', () => {
  it('keeps its running range when updated within a caller’s tidy (as in a pipeline observe)', () => {
    const observer = new MinMaxObserver();
    tf.tidy(() => observer.update(tf.tensor1d([-1, 2])));
    tf.tidy(() => observer.update(tf.tensor1d([0.5, 3])));
    const { scale, zeroPoint } = observer.compute();
    expect(scale.dataSync()[0]).toBeCloseTo(4 / 255, 7);
    expect(zeroPoint.dataSync()[0]).toBe(64);
    tf.dispose([scale, zeroPoint]);
    observer.reset();
  });
});
