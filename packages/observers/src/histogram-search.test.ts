import { describe, expect, it } from 'vitest';
import { histogramQuantError, searchHistogramRange } from './histogram-search';

// Errors are in units of one source bin: a uniform density d over a level of width w costs
// d·∫_{−w/2}^{w/2} x² dx = d·w³/12.
describe('histogramQuantError', () => {
  const uniform = new Float64Array(2048).fill(1);

  it('uniform histogram, full range: 256 levels 8 bins wide → 256 · 8³/12', () => {
    expect(histogramQuantError(uniform, 0, 2047, 256)).toBeCloseTo((256 * 8 ** 3) / 12, 6);
  });

  it('uniform histogram, upper half: 256 · 4³/12 inside, plus bins 0–1023 clamped to the first level', () => {
    // The first level's centre is 2 bins above bin 1024, so clamped values lie 2 … 1026 bins from it.
    const clamped = (1026 ** 3 - 2 ** 3) / 3;
    expect(histogramQuantError(uniform, 1024, 2047, 256)).toBeCloseTo((256 * 4 ** 3) / 12 + clamped, 3);
  });
});

describe('searchHistogramRange', () => {
  // Bins 0–99 hold 1000 values each and bin 2047 five outliers (more than one 1e-5 quantile step,
  // so the first move, which PyTorch always takes, only trims bin 2047 to bin 2046). The next move
  // clips the outliers to the bulk, costing ≈ 5 · 1948² ≈ 1.9e7, while the bulk's rounding error
  // falls from ≈ 1e5 · w²/12 (w = level width in bins) to nearly 0.
  const counts = new Float64Array(2048);
  counts.fill(1000, 0, 100);
  counts[2047] = 5;

  it('at 4 bits (16 levels, w = 128: rounding error ≈ 1e8 ≫ 1.9e7) it clips the outliers', () => {
    const { startBin, endBin } = searchHistogramRange(counts, 16);
    expect(startBin).toBe(0);
    expect(endBin).toBeLessThan(100);
  });

  it('at 8 bits (256 levels, w = 8: rounding error ≈ 5.3e5 ≪ 1.9e7) it keeps them', () => {
    expect(searchHistogramRange(counts, 256)).toEqual({ startBin: 0, endBin: 2046 });
  });

  it('takes the first move unconditionally, as PyTorch (its best error starts at infinity)', () => {
    const single = Float64Array.from(counts);
    single[2047] = 1;
    // One outlier is below one quantile step of 1e5 values, so the first move already clips it.
    expect(searchHistogramRange(single, 256).endBin).toBeLessThan(100);
  });
});
