import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChannelMean, correctedBias } from './bias-correction-math';

describe.each(TEST_BACKENDS)('bias correction math (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('averages each channel of NCHW and [N, C] outputs over batches', () => {
    const before = tf.memory().numTensors;
    const nchw = new ChannelMean(2);
    const a = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    const b = tf.tensor4d([5, 5, 5, 5, 0, 0, 0, 0], [1, 2, 2, 2]);
    nchw.add(a);
    nchw.add(b);
    expect(Array.from(nchw.mean())).toEqual([30 / 8, 100 / 8]);
    const rows = new ChannelMean(3);
    const c = tf.tensor2d([1, 2, 3, 3, 4, 5], [2, 3]);
    rows.add(c);
    expect(Array.from(rows.mean())).toEqual([2, 3, 4]);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('subtracts the mean output shift from the bias', () => {
    const { bias, shift } = correctedBias(
      Float32Array.of(1, -1),
      Float64Array.of(0.5, 2),
      Float64Array.of(0.75, 1),
    );
    expect(Array.from(shift)).toEqual([0.25, -1]);
    expect(Array.from(bias)).toEqual([0.75, 0]);
  });
});
