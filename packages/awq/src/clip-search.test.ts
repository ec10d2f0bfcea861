import { initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { searchClip } from './clip-search';
import { type AwqConfigInput, awqConfig } from './config';
import { InputStats } from './input-stats';
import { randn, referenceQuantize } from './test-helpers';

/** AutoAWQ's loop in plain float64 JS, one row group at a time: the clipped weight. */
function referenceClip(
  w: number[][],
  tokens: number[][],
  bits: number,
  groupSize: number,
  steps: number,
): number[][] {
  return w.map((row) => {
    const out: number[] = [];
    for (let c = 0; c < row.length; c += groupSize) {
      const group = row.slice(c, c + groupSize);
      const absmax = Math.max(...group.map(Math.abs));
      const errorAt = (limit: number) => {
        const q = referenceQuantize(
          group.map((v) => Math.min(Math.max(v, -limit), limit)),
          bits,
        );
        return tokens.reduce(
          (sum, x) => sum + group.reduce((s, v, k) => s + (v - q[k]) * x[c + k], 0) ** 2,
          0,
        );
      };
      let best = { limit: absmax, error: errorAt(absmax) };
      for (let i = 1; i < steps; i++) {
        const limit = Math.fround(absmax * Math.fround(1 - i / 20));
        const error = errorAt(limit);
        if (error < best.error) best = { limit, error };
      }
      out.push(...group.map((v) => Math.min(Math.max(v, -best.limit), best.limit)));
    }
    return out;
  });
}

function clip(w: number[][], tokens: number[][], config: AwqConfigInput) {
  const stats = new InputStats(tokens[0].length);
  const x = tf.tensor2d(tokens);
  stats.add(x, 'test');
  const [weight, gram] = [tf.tensor2d(w), stats.gram()];
  const before = tf.memory().numTensors;
  const result = searchClip(weight, gram, awqConfig(config));
  expect(tf.memory().numTensors).toBe(before + 1);
  const clipped = result.clipped.arraySync();
  tf.dispose([x, weight, gram, result.clipped]);
  return { ...result, clipped };
}

describe.each(TEST_BACKENDS)('AWQ clip search on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('matches a plain float64 search of each row group on the tokens, ragged groups', () => {
    const w = Array.from({ length: 5 }, (_, r) => Array.from(randn(10, 40 + r)));
    const tokens = Array.from({ length: 48 }, (_, n) => Array.from(randn(10, 200 + n)));
    const result = clip(w, tokens, { bits: 3, groupSize: 4 });
    const expected = referenceClip(w, tokens, 3, 4, 10);
    result.clipped.forEach((row, r) => {
      row.forEach((v, c) => {
        expect(v).toBeCloseTo(expected[r][c], 5);
      });
    });
    expect(result.minRatio).toBeLessThan(1);
    expect(result.minRatio).toBeGreaterThanOrEqual(0.55);
    expect(result.mseAfter).toBeLessThan(result.mseBefore);
  });

  it('clips per output row with groupSize channel, and never moves an all-zero row', () => {
    const w = [Array.from(randn(12, 7)), new Array(12).fill(0)];
    const tokens = Array.from({ length: 32 }, (_, n) => Array.from(randn(12, 300 + n)));
    const result = clip(w, tokens, { bits: 2, groupSize: 'channel', maxShrink: 0.3, clipGrid: 20 });
    expect(result.clipped).toEqual([
      referenceClip(w, tokens, 2, 12, 6)[0].map((v) => expect.closeTo(v, 5)),
      w[1],
    ]);
    expect(result.meanRatio).toBeGreaterThan(0.5 * (result.minRatio + 1) - 1e-6);
    expect(result.minRatio).toBeGreaterThanOrEqual(0.75);
  });
});
