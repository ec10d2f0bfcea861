import { describe, expect, it } from 'vitest';
import { defaultRtnConfig, rtnConfig } from './config';
import { expectLowbitError } from './test-helpers';

describe('rtnConfig', () => {
  it('defaults to 4-bit asymmetric int with groups of 128', () => {
    expect(defaultRtnConfig()).toEqual({
      bits: 4,
      type: 'int',
      groupSize: 128,
      symmetric: false,
      mseSearch: false,
      doubleQuant: false,
    });
  });

  it('defaults nf4/fp4 to symmetric 4-bit blocks of 64', () => {
    for (const type of ['nf4', 'fp4'] as const) {
      expect(rtnConfig({ type })).toMatchObject({
        bits: 4,
        groupSize: 64,
        symmetric: true,
        doubleQuant: false,
      });
    }
  });

  it('turns mseSearch: true into core defaults and keeps explicit options', () => {
    expect(rtnConfig({ mseSearch: true }).mseSearch).toEqual({});
    expect(rtnConfig({ mseSearch: { grid: 20, norm: 2 } }).mseSearch).toEqual({ grid: 20, norm: 2 });
  });

  it('is idempotent on a resolved config', () => {
    const config = rtnConfig({ type: 'nf4', doubleQuant: true, mseSearch: { grid: 10 } });
    expect(rtnConfig(config)).toEqual(config);
  });

  it.each([0, 1, 9, Number.NaN, 3.5])('rejects int bits %s', (bits) => {
    expectLowbitError(() => rtnConfig({ bits }), 'BAD_ARGS', /use an integer from 2 to 8/);
  });

  it('rejects nf4 with bits other than 4', () => {
    expectLowbitError(() => rtnConfig({ type: 'nf4', bits: 8 }), 'BAD_ARGS', /set bits: 4/);
  });

  it.each([0, -32, 2.5, Number.NaN])('rejects groupSize %s', (groupSize) => {
    expectLowbitError(() => rtnConfig({ groupSize }), 'BAD_ARGS', /use a positive integer/);
  });

  it('rejects per-channel nf4, asymmetric fp4, int double quant and unknown types', () => {
    expectLowbitError(
      () => rtnConfig({ type: 'nf4', groupSize: 'channel' }),
      'BAD_ARGS',
      /block size such as 64/,
    );
    expectLowbitError(() => rtnConfig({ type: 'fp4', symmetric: false }), 'BAD_ARGS', /set it to true/);
    expectLowbitError(() => rtnConfig({ doubleQuant: true }), 'BAD_ARGS', /set type: 'nf4'/);
    expectLowbitError(() => rtnConfig({ type: 'int3' as never }), 'BAD_ARGS', /use one of int, nf4, fp4/);
  });

  it('rejects bad clip-search options', () => {
    expectLowbitError(() => rtnConfig({ mseSearch: { grid: 0 } }), 'BAD_ARGS', /grid .*positive integer/);
    expectLowbitError(() => rtnConfig({ mseSearch: { maxShrink: 1 } }), 'BAD_ARGS', /\[0, 1\)/);
    expectLowbitError(() => rtnConfig({ mseSearch: { norm: -2 } }), 'BAD_ARGS', /positive number/);
  });
});
