import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { describe, expect, it } from 'vitest';
import { freezeStateAt, freezeStep } from './freeze';
import { learningRateAt } from './schedule';
import { shuffledIndices } from './train';

describe('learning-rate schedule', () => {
  it('cosine anneals from the base rate through half at mid-run towards 0', () => {
    expect(learningRateAt('cosine', 0.1, 0, 100)).toBeCloseTo(0.1, 12);
    expect(learningRateAt('cosine', 0.1, 50, 100)).toBeCloseTo(0.05, 12);
    expect(learningRateAt('cosine', 0.1, 25, 100)).toBeCloseTo(0.05 * (1 + Math.SQRT1_2), 12);
    expect(learningRateAt('cosine', 0.1, 100, 100)).toBeCloseTo(0, 12);
    expect(learningRateAt('constant', 0.1, 73, 100)).toBe(0.1);
  });
});

describe('freeze points', () => {
  it('reads values < 1 as fractions of the run and values ≥ 1 as epochs', () => {
    expect(freezeStep(0.25, 10, 40, 'x')).toBe(10);
    expect(freezeStep(1.5, 10, 40, 'x')).toBe(15);
    expect(freezeStep(0, 10, 40, 'x')).toBe(0);
    expect(freezeStep(undefined, 10, 40, 'x')).toBe(Number.POSITIVE_INFINITY);
    expect(freezeStateAt(14, 15, 10)).toEqual({ batchNorm: false, ranges: true });
    expectLowbitError(
      () => freezeStep(Number.NaN, 10, 40, 'freezeRangesAfter'),
      'BAD_ARGS',
      /freezeRangesAfter is NaN/,
    );
  });
});

describe('shuffledIndices', () => {
  it('is a seeded permutation', () => {
    const a = shuffledIndices(100, 5);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffledIndices(100, 5))).toEqual(Array.from(a));
    expect(Array.from(shuffledIndices(100, 6))).not.toEqual(Array.from(a));
  });
});
