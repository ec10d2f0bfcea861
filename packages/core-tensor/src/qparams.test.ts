import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { perChannel, perGroup } from './granularity';
import { chooseQParams, qparamsFromRange } from './qparams';
import { FLOAT32_EPS, quantArgs } from './quant-args';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';

const f = Math.fround;

function qparamsOf(values: number[], input: Parameters<typeof quantArgs>[0], shape = [values.length]) {
  return tf.tidy(() => {
    const qp = chooseQParams(tf.tensor(values, shape), quantArgs(input));
    return { scale: Array.from(qp.scale.dataSync()), zeroPoint: Array.from(qp.zeroPoint.dataSync()) };
  });
}

function expectScale(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  for (const [i, a] of actual.entries())
    expect(Math.abs(a - expected[i]) / expected[i]).toBeLessThanOrEqual(1e-6);
}

describe.each(TEST_BACKENDS)('qparams follow torch.ao _calculate_qparams on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('affine quint8: scale = (max − min)/255, zp = 0 − round(min/scale)', () => {
    const { scale, zeroPoint } = qparamsOf([-1, 0.5, 2], { bits: 8 });
    const s = f(f(3) / 255);
    expectScale(scale, [s]);
    expect(zeroPoint).toEqual([Math.round(1 / s)]); // round(85.0) = 85
    expect(zeroPoint).toEqual([85]);
  });

  it('affine extends the range to include zero', () => {
    const { scale, zeroPoint } = qparamsOf([2, 3, 5], { bits: 8 });
    expectScale(scale, [f(5 / 255)]);
    expect(zeroPoint).toEqual([0]);
  });

  it('symmetric qint8: scale = max|x| / 127.5, zp 0', () => {
    const { scale, zeroPoint } = qparamsOf([-4, 1, 2.5], { bits: 8, symmetric: true });
    expectScale(scale, [f(4 / 127.5)]);
    expect(zeroPoint).toEqual([0]);
  });

  it('symmetric quint8 centres on 128', () => {
    const { zeroPoint } = qparamsOf([-4, 1, 2.5], { bits: 8, symmetric: true, signed: false });
    expect(zeroPoint).toEqual([128]);
  });

  it('reduce_range halves the range: quint8 0..127, qint8 −64..63', () => {
    const affine = qparamsOf([-1, 0.5, 2], { bits: 8, reduceRange: true });
    expectScale(affine.scale, [f(3 / 127)]);
    expect(affine.zeroPoint).toEqual([Math.round(1 / f(3 / 127))]); // round(42.333) = 42
    const sym = qparamsOf([-4, 1, 2.5], { bits: 8, symmetric: true, reduceRange: true });
    expectScale(sym.scale, [f(4 / 63.5)]);
    expect(sym.zeroPoint).toEqual([0]);
  });

  it('rounds the zero point half to even, like torch.round', () => {
    // min = −0.5·s·2k+1 → min/scale = −2.5 exactly with scale 1/255·(max−min).
    const { zeroPoint } = qparamsOf([-2.5, 252.5], { bits: 8 });
    expect(zeroPoint).toEqual([2]); // 0 − round(−2.5) = 2, not 3
  });

  it('all-zero tensor: scale = eps, zero point 0 (asym) / 0 (sym)', () => {
    const asym = qparamsOf([0, 0, 0], { bits: 8 });
    expect(asym.scale).toEqual([f(FLOAT32_EPS)]);
    expect(asym.zeroPoint).toEqual([0]);
    const sym = qparamsOf([0, 0], { bits: 8, symmetric: true });
    expect(sym.scale).toEqual([f(FLOAT32_EPS)]);
    expect(sym.zeroPoint).toEqual([0]);
  });

  it('constant tensor: the range [0, c] is used', () => {
    const { scale, zeroPoint } = qparamsOf([3, 3, 3], { bits: 8 });
    expectScale(scale, [f(3 / 255)]);
    expect(zeroPoint).toEqual([0]);
    const neg = qparamsOf([-3, -3], { bits: 8 });
    expectScale(neg.scale, [f(3 / 255)]);
    expect(neg.zeroPoint).toEqual([255]);
  });

  it('per-channel: one scale and zero point per channel', () => {
    const { scale, zeroPoint } = qparamsOf(
      [-1, 2, 0, 4, -6, 9],
      { bits: 8, granularity: perChannel(0) },
      [3, 2],
    );
    expectScale(scale, [f(3 / 255), f(4 / 255), f(15 / 255)]);
    expect(zeroPoint).toEqual([85, 0, 102]);
  });

  it('per-group, ragged: the short last group uses its own range', () => {
    const { scale } = qparamsOf([1, 2, 3, 4, 5, 6, 7, 10], { bits: 4, granularity: perGroup(3, 1) }, [1, 8]);
    expectScale(scale, [f(3 / 15), f(6 / 15), f(10 / 15)]);
  });

  it('float zero point (HQQ / per_channel_affine_float_qparams) keeps the real offset', () => {
    const { scale, zeroPoint } = qparamsOf([1, 4], { bits: 4, zeroPointDomain: 'float' });
    expectScale(scale, [f(3 / 15)]);
    expect(zeroPoint[0]).toBeCloseTo(-5, 5);
  });

  it('pow2 scales round up to a power of two', () => {
    const { scale } = qparamsOf([-1, 3], { bits: 8, symmetric: true, scaleType: 'pow2' });
    expect(scale).toEqual([2 ** Math.ceil(Math.log2(3 / 127.5))]);
  });

  it('clipRatio shrinks the range before the formula', () => {
    const { scale } = qparamsOf([-2, 2], { bits: 8, symmetric: true, clipRatio: 0.5 });
    expectScale(scale, [f(1 / 127.5)]);
  });

  it('qparamsFromRange takes observed ranges directly', () => {
    const [s, z] = tf.tidy(() => {
      const qp = qparamsFromRange(tf.tensor1d([-1]), tf.tensor1d([2]), quantArgs({ bits: 8 }));
      return [qp.scale.dataSync()[0], qp.zeroPoint.dataSync()[0]];
    });
    expect(Math.abs(s - f(3 / 255)) / s).toBeLessThan(1e-6);
    expect(z).toBe(85);
  });
});
