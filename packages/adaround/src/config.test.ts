import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { describe, expect, it } from 'vitest';
import { adaroundLayer } from './adaround-layer';
import { adaround } from './adaround-modifier';
import { ADAROUND_DEFAULTS, adaroundConfig, FLEXROUND_LEARNING_RATE } from './config';

describe('adaroundConfig', () => {
  it('fills the defaults: W4 symmetric per channel on an MSE grid, 1000 steps at 1e-2, batch 32, λ 0.01, β 20 → 2', () => {
    const config = adaroundConfig();
    expect(config).toEqual(ADAROUND_DEFAULTS);
    expect(config).toMatchObject({
      method: 'adaround',
      bits: 4,
      symmetric: true,
      granularity: 'channel',
      mseSearch: {},
      iterations: 1000,
      batchSize: 32,
      samples: 1024,
      learningRate: 1e-2,
      regularization: 0.01,
      betaRange: [20, 2],
      warmStart: 0.2,
      betaDecay: 'cosine',
      inputs: 'quantized',
    });
    expect(adaroundConfig({ method: 'flexround' }).learningRate).toBe(FLEXROUND_LEARNING_RATE);
    expect(adaroundConfig({ mseSearch: false }).mseSearch).toBe(false);
    expect(adaroundConfig({ mseSearch: { grid: 50 } }).mseSearch).toEqual({ grid: 50 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ bits: 0 }, /bits is 0; use an integer from 2 to 8/],
    [{ bits: 1 }, /bits is 1/],
    [{ bits: 9 }, /bits is 9/],
    [{ bits: Number.NaN }, /bits is NaN/],
    [{ iterations: 0 }, /iterations is 0; use an integer ≥ 1/],
    [{ iterations: 2.5 }, /iterations is 2.5/],
    [{ batchSize: 0 }, /batchSize is 0/],
    [{ samples: -1 }, /samples is -1/],
    [{ regularization: Number.NaN }, /regularization \(λ\) is NaN; use a number ≥ 0/],
    [{ regularization: -0.1 }, /regularization \(λ\) is -0\.1/],
    [{ learningRate: 0 }, /learningRate is 0/],
    [{ learningRate: Number.NaN }, /learningRate is NaN/],
    [
      { betaRange: [2, 20] as [number, number] },
      /betaRange is \[2,20\]; use \[start, end\] with start ≥ end > 0/,
    ],
    [{ betaRange: [20, 0] as [number, number] }, /betaRange is \[20,0\]/],
    [{ betaRange: [Number.NaN, 2] as [number, number] }, /betaRange is \[NaN,2\]/],
    [{ warmStart: 1 }, /warmStart is 1; use a fraction in \[0, 1\)/],
    [{ warmStart: Number.NaN }, /warmStart is NaN/],
    [{ inputs: 'both' as 'float' }, /inputs "both" is unknown; use one of quantized, float/],
    [{ method: 'brecq' as 'adaround' }, /method "brecq" is unknown/],
    [{ granularity: 'group' as 'tensor' }, /granularity "group" is unknown/],
    [{ mseSearch: { grid: 0 } }, /mseSearch\.grid is 0/],
    [{ progressInterval: 0 }, /progressInterval is 0/],
    [{ seed: 0.5 }, /seed is 0\.5/],
  ])('rejects %o with BAD_ARGS', (input, message) => {
    expectLowbitError(() => adaroundConfig(input), 'BAD_ARGS', message);
    // The modifier and the layer solvers validate the same way, before touching any tensor.
    expectLowbitError(() => adaround(input), 'BAD_ARGS', message);
    // (The layer solvers fix the method themselves.)
    if (!('method' in input)) expectLowbitError(() => adaroundLayer({} as never, input), 'BAD_ARGS', message);
  });
});
