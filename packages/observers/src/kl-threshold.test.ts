import { describe, expect, it } from 'vitest';
import { klDivergence, klThresholdBins } from './kl-threshold';

describe('klDivergence', () => {
  it('is 0 when merging loses nothing', () => {
    expect(klDivergence([2, 2, 2, 2], 4, 2, 0)).toBe(0);
    // Q spreads chunk [4, 0] over its one non-zero bin only.
    expect(klDivergence([4, 0, 2, 2], 4, 2, 0)).toBe(0);
  });

  it('[3, 1, 2, 2] into 2 levels: Q = [2, 2, 2, 2] → 3/8·ln(3/2) + 1/8·ln(1/2)', () => {
    const expected = (3 / 8) * Math.log(3 / 2) + (1 / 8) * Math.log(1 / 2);
    expect(klDivergence([3, 1, 2, 2], 4, 2, 0)).toBeCloseTo(expected, 12);
  });

  it('clipped counts go to the last kept bin of P only: P = [1, 3], Q = [1, 1]', () => {
    const expected = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
    expect(klDivergence([1, 1, 1, 1], 2, 1, 2)).toBeCloseTo(expected, 12);
  });

  it('is infinite when Q has no mass where P has', () => {
    expect(klDivergence([0, 0, 1, 0], 2, 1, 1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('klThresholdBins', () => {
  it('clipping a uniform histogram diverges, so all bins are kept', () => {
    expect(klThresholdBins(new Float64Array(256).fill(5), 8, 16)).toBe(256);
  });

  it('ties (KL 0 for every range past the data) go to the widest range', () => {
    const counts = new Float64Array(256);
    counts.fill(10, 0, 64);
    expect(klThresholdBins(counts, 8, 8)).toBe(256);
  });

  it('a sparse far tail is clipped: [bulk 0–63, 1 count at 255] → keeps about the bulk', () => {
    // Laplace-like bulk with a lone count far out: keeping it squeezes the bulk into few levels.
    const counts = new Float64Array(256);
    for (let b = 0; b < 64; b++) counts[b] = Math.round(1000 * Math.exp(-b / 8));
    counts[255] = 1;
    const kept = klThresholdBins(counts, 8, 8);
    expect(kept).toBeGreaterThanOrEqual(8);
    expect(kept).toBeLessThan(64);
  });
});
