import { describe, expect, it } from 'vitest';
import { hqqConfig } from './config';
import { expectLowbitError } from './test-helpers';

describe('hqqConfig', () => {
  it("defaults to W4 g64 along the input axis with the reference's solver settings", () => {
    expect(hqqConfig()).toEqual({
      bits: 4,
      groupSize: 64,
      axis: 1,
      optimize: true,
      lpNorm: 0.7,
      beta: 10,
      kappa: 1.01,
      iterations: 20,
      earlyStop: true,
    });
  });

  it('keeps explicit values, is frozen and idempotent', () => {
    const config = hqqConfig({ bits: 3, groupSize: 32, axis: 0, lpNorm: 1, iterations: 5, earlyStop: false });
    expect(config).toMatchObject({
      bits: 3,
      groupSize: 32,
      axis: 0,
      lpNorm: 1,
      iterations: 5,
      earlyStop: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(hqqConfig(config)).toEqual(config);
  });

  it.each([1, 9, 4.5, Number.NaN])('rejects bits %s', (bits) => {
    expectLowbitError(() => hqqConfig({ bits }), 'BAD_ARGS', /bits is .*use an integer from 2 to 8/);
  });

  it.each([0, -64, 2.5, Number.NaN])('rejects groupSize %s', (groupSize) => {
    expectLowbitError(() => hqqConfig({ groupSize }), 'BAD_ARGS', /groupSize is .*use a positive integer/);
  });

  it('rejects an axis other than 0 or 1', () => {
    expectLowbitError(() => hqqConfig({ axis: 2 as never }), 'BAD_ARGS', /axis is 2; use 1 .* or 0/);
    expectLowbitError(() => hqqConfig({ axis: -1 as never }), 'BAD_ARGS', /axis is -1/);
  });

  it.each([
    [{ lpNorm: 0 }, /lpNorm is 0; use a number in \(0, 1\]/],
    [{ lpNorm: 1.5 }, /lpNorm is 1.5/],
    [{ beta: 0 }, /beta is 0; use a positive number/],
    [{ beta: Number.POSITIVE_INFINITY }, /beta is Infinity/],
    [{ kappa: 0.9 }, /kappa is 0.9; use a number ≥ 1/],
    [{ iterations: 0 }, /iterations is 0; use a positive integer/],
    [{ iterations: 2.5 }, /iterations is 2.5/],
    [{ optimize: 'yes' as never }, /optimize is yes; use true or false/],
    [{ earlyStop: 1 as never }, /earlyStop is 1; use true or false/],
  ])('rejects solver option %o', (input, pattern) => {
    expectLowbitError(() => hqqConfig(input), 'BAD_ARGS', pattern);
  });
});
