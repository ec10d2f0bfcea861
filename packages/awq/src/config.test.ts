import { describe, expect, it } from 'vitest';
import { awqConfig, defaultAwqConfig } from './config';
import { expectLowbitError } from './test-helpers';

describe('awqConfig', () => {
  it("defaults to AutoAWQ's settings for 4-bit asymmetric groups of 128", () => {
    expect(defaultAwqConfig()).toEqual(awqConfig());
    expect(awqConfig()).toEqual({
      bits: 4,
      groupSize: 128,
      symmetric: false,
      gridSize: 20,
      clip: true,
      maxShrink: 0.5,
      clipGrid: 20,
      duoScaling: false,
    });
  });

  it('keeps explicit options, ignores undefined ones and is idempotent', () => {
    const config = awqConfig({
      bits: 3,
      groupSize: 'channel',
      clip: false,
      duoScaling: true,
      gridSize: undefined,
    });
    expect(config).toMatchObject({
      bits: 3,
      groupSize: 'channel',
      clip: false,
      duoScaling: true,
      gridSize: 20,
    });
    expect(awqConfig(config)).toEqual(config);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ bits: 1 }, /bits is 1; use an integer from 2 to 8/],
    [{ bits: 4.5 }, /bits is 4.5/],
    [{ groupSize: 0 }, /groupSize is 0; use a positive integer .* or 'channel'/],
    [{ groupSize: 'row' as never }, /groupSize is row/],
    [{ gridSize: 0 }, /gridSize is 0; use a positive integer such as 20/],
    [{ maxShrink: 1 }, /maxShrink is 1; use a number in \(0, 1\)/],
    [{ maxShrink: Number.NaN }, /maxShrink is NaN/],
    [{ clipGrid: 2.5 }, /clipGrid is 2.5; use a positive integer/],
    [{ clip: 'yes' as never }, /clip is yes; use true or false/],
    [{ duoScaling: 1 as never }, /duoScaling is 1; use true or false/],
    [{ groupsize: 32 } as never, /AWQ option "groupsize" is unknown; use one of bits, groupSize/],
  ])('rejects %o', (input, pattern) => {
    expectLowbitError(() => awqConfig(input), 'BAD_ARGS', pattern);
  });
});
