import { describe, expect, it } from 'vitest';
import { RunningHistogram } from './running-histogram';

describe('RunningHistogram', () => {
  it('bins like torch.histc: equal-width bins, the maximum in the last bin', () => {
    const h = new RunningHistogram(4, 2);
    h.add([0, 0.5, 1, 1], 0, 1);
    expect(Array.from(h.counts)).toEqual([1, 0, 1, 2]);
    expect(h.total).toBe(4);
  });

  it('re-bins sub-bin mid-points when the range grows', () => {
    const h = new RunningHistogram(4, 2);
    h.add([0, 0.5, 1, 1], 0, 1);
    // New range [0, 3], bins 0.75 wide. Old sub-bins are 1/8 wide with mid-points 1/16 … 15/16:
    // those of old bins 0–2 (≤ 11/16) land in new bin 0, those of old bin 3 (13/16, 15/16) in bin 1.
    h.add([3], 3, 3);
    expect(Array.from(h.counts)).toEqual([2, 2, 0, 1]);
    expect([h.min, h.max, h.total]).toEqual([0, 3, 5]);
  });

  it('a zero-width range keeps its values in one bin until the range grows', () => {
    const h = new RunningHistogram(4, 8);
    h.add([2, 2, 2], 2, 2);
    expect(Array.from(h.counts)).toEqual([3, 0, 0, 0]);
    h.add([4], 4, 4);
    expect(Array.from(h.counts)).toEqual([3, 0, 0, 1]);
    expect([h.min, h.max]).toEqual([2, 4]);
  });

  it('conserves the total count over many merges', () => {
    const h = new RunningHistogram(64, 16);
    for (let k = 1; k <= 10; k++) h.add([-k, 0, k * k], -k, k * k);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(30, 9);
    expect([h.min, h.max]).toEqual([-10, 100]);
  });

  it('quantiles interpolate inside bins', () => {
    const h = new RunningHistogram(100, 1);
    h.add(
      Array.from({ length: 100 }, (_, i) => i + 0.5),
      0.5,
      99.5,
    );
    // 99 units over 100 bins: each bin 0.99 wide and holding one value.
    expect(h.quantile(0)).toBeCloseTo(0.5, 12);
    expect(h.quantile(0.25)).toBeCloseTo(0.5 + 25 * 0.99, 12);
    expect(h.quantile(1)).toBeCloseTo(99.5, 12);
  });

  it('reset empties it', () => {
    const h = new RunningHistogram(4, 2);
    h.add([1, 2], 1, 2);
    h.reset();
    expect(h.isEmpty).toBe(true);
    expect(Array.from(h.counts)).toEqual([0, 0, 0, 0]);
  });
});
