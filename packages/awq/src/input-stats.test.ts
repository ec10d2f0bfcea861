import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputStats } from './input-stats';
import { expectLowbitError, randn } from './test-helpers';

describe.each(TEST_BACKENDS)('InputStats on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('accumulates mean |x| and E[x xᵀ] over batches of any rank', () => {
    const data = randn(30 * 4, 5);
    const stats = new InputStats(4);
    const before = tf.memory().numTensors;
    const first = tf.tensor3d(data.subarray(0, 16 * 4), [2, 8, 4]);
    const second = tf.tensor2d(data.subarray(16 * 4), [14, 4]);
    stats.add(first, 'test');
    stats.add(second, 'test');
    tf.dispose([first, second]);
    expect(stats.tokens).toBe(30);
    const rows = Array.from({ length: 30 }, (_, n) => Array.from(data.subarray(n * 4, n * 4 + 4)));
    const mean = stats.meanAbs();
    for (let j = 0; j < 4; j++)
      expect(mean[j]).toBeCloseTo(rows.reduce((s, r) => s + Math.abs(r[j]), 0) / 30, 5);
    const gram = stats.gram();
    const g = gram.arraySync();
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++)
        expect(g[i][j]).toBeCloseTo(rows.reduce((s, r) => s + r[i] * r[j], 0) / 30, 5);
    }
    gram.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('describes inputs divided by s once s is folded upstream', () => {
    const x = tf.tensor2d(randn(20 * 3, 6), [20, 3]);
    const s = Float32Array.of(2, 0.5, 4);
    const folded = new InputStats(3);
    folded.add(x, 'test');
    folded.divideChannels(s);
    const direct = new InputStats(3);
    const divided = tf.div(x, tf.tensor1d(s));
    direct.add(divided, 'test');
    const [a, b] = [folded.gram(), direct.gram()];
    const [ga, gb] = [a.dataSync(), b.dataSync()];
    ga.forEach((v, i) => {
      expect(v).toBeCloseTo(gb[i], 5);
    });
    folded.meanAbs().forEach((v, j) => {
      expect(v).toBeCloseTo(direct.meanAbs()[j], 5);
    });
    tf.dispose([x, divided, a, b]);
  });

  it('names the layer when an input holds NaN or has the wrong width', () => {
    const stats = new InputStats(2);
    const bad = tf.tensor2d([[1, Number.NaN]]);
    expectLowbitError(
      () => stats.add(bad, 'Block "b", layer "fc"'),
      'BAD_TENSOR',
      /Block "b", layer "fc"/,
      /NaN or Inf/,
    );
    const wide = tf.zeros([2, 3]);
    expectLowbitError(
      () => stats.add(wide, 'layer "fc"'),
      'BAD_TENSOR',
      /is \[2,3\]; expected \[\.\.\., 2\]/,
    );
    expect(stats.tokens).toBe(0);
    tf.dispose([bad, wide]);
  });
});
