import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { LowbitError } from './errors';
import { perChannel, perGroup } from './granularity';
import { chooseQParams } from './qparams';
import { quantArgs } from './quant-args';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';

function lowbitError(f: () => unknown): LowbitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LowbitError);
    return e as LowbitError;
  }
  throw new Error('expected a LowbitError');
}

describe('quantArgs validation', () => {
  it.each([0, 9, Number.NaN, 2.5])('rejects bits = %s and names the valid range', (bits) => {
    const e = lowbitError(() => quantArgs({ bits }));
    expect(e.code).toBe('BAD_ARGS');
    expect(e.message).toMatch(/integer from 1 to 8/);
  });

  it('rejects a bit width a value type cannot have', () => {
    expect(lowbitError(() => quantArgs({ type: 'nf4', bits: 3 })).message).toMatch(/always uses 4 bits/);
  });

  it('rejects asymmetric table types, clip ratios outside (0, 1] and unknown types', () => {
    expect(lowbitError(() => quantArgs({ type: 'fp4', symmetric: false })).message).toMatch(
      /symmetric: true/,
    );
    expect(lowbitError(() => quantArgs({ clipRatio: 0 })).message).toMatch(/\(0, 1\]/);
    expect(lowbitError(() => quantArgs({ type: 'int3' as never })).message).toMatch(/one of int, nf4/);
  });

  it('fills PyTorch-like defaults and freezes the result', () => {
    const args = quantArgs({ symmetric: true });
    expect(args).toMatchObject({ bits: 8, signed: true, zeroPointDomain: 'int', clipRatio: 1 });
    expect(Object.isFrozen(args)).toBe(true);
  });
});

describe.each(TEST_BACKENDS)('bad tensors on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([0, -1, 1.5])('rejects group size %s', (size) => {
    const e = lowbitError(() =>
      tf.tidy(() => chooseQParams(tf.ones([2, 8]), quantArgs({ granularity: perGroup(size, 1) }))),
    );
    expect(e.message).toMatch(/positive integer/);
  });

  it('rejects a group larger than the dimension', () => {
    const e = lowbitError(() =>
      tf.tidy(() => chooseQParams(tf.ones([2, 8]), quantArgs({ granularity: perGroup(16, 1) }))),
    );
    expect(e.message).toMatch(/group size ≤ 8/);
  });

  it('rejects an axis outside the tensor', () => {
    const e = lowbitError(() =>
      tf.tidy(() => chooseQParams(tf.ones([2, 8]), quantArgs({ granularity: perChannel(2) }))),
    );
    expect(e.message).toMatch(/out of range/);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('names the tensor holding %s', (bad) => {
    const e = lowbitError(() =>
      tf.tidy(() => chooseQParams(tf.tensor1d([1, bad]), quantArgs(), 'layers.0.wq')),
    );
    expect(e.code).toBe('BAD_TENSOR');
    expect(e.message).toContain('layers.0.wq');
  });

  it('rejects an empty tensor', () => {
    const e = lowbitError(() => tf.tidy(() => chooseQParams(tf.tensor1d([]), quantArgs(), 'bias')));
    expect(e.message).toMatch(/"bias" is empty/);
  });

  it('gives a zero-range tensor the eps scale instead of an error', () => {
    const scale = tf.tidy(() =>
      chooseQParams(tf.fill([4], 0), quantArgs({ bits: 4, symmetric: true })).scale.dataSync(),
    );
    expect(scale[0]).toBeCloseTo(1.1920928955078125e-7, 12);
  });
});
