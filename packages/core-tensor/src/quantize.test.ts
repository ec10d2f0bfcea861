import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { perChannel, perGroup } from './granularity';
import { chooseQParams } from './qparams';
import { quantArgs } from './quant-args';
import { dequantize, quantize } from './quantize';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';
import { NF4_VALUES, valueTable } from './value-types';

const scalarQp = (scale: number, zeroPoint = 0) => ({
  scale: tf.scalar(scale),
  zeroPoint: tf.scalar(zeroPoint),
});

describe.each(TEST_BACKENDS)('quantize / dequantize on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('rounds half to even, then saturates (ONNX QuantizeLinear)', () => {
    const codes = tf.tidy(() =>
      quantize(
        tf.tensor1d([0.5, 1.5, 2.5, -0.5, -1.5, 300, -300]),
        scalarQp(1),
        quantArgs({ bits: 8, signed: true }),
      ).dataSync(),
    );
    expect(Array.from(codes)).toEqual([0, 2, 2, 0, -2, 127, -128]);
  });

  it('adds an integer zero point after rounding, a float one before', () => {
    const [intCodes, floatCodes] = tf.tidy(() => {
      const x = tf.tensor1d([0.5, 1.5]);
      return [
        quantize(x, scalarQp(1, 3), quantArgs({ bits: 4 })).dataSync(),
        quantize(x, scalarQp(1, 0.5), quantArgs({ bits: 4, zeroPointDomain: 'float' })).dataSync(),
      ];
    });
    expect(Array.from(intCodes)).toEqual([3, 5]); // round(0.5)=0 → 3, round(1.5)=2 → 5
    expect(Array.from(floatCodes)).toEqual([1, 2]); // round(1.0)=1, round(2.0)=2
  });

  it('per-channel parameters follow the channel axis', () => {
    const out = tf.tidy(() => {
      const args = quantArgs({ bits: 8, signed: true, granularity: perChannel(1) });
      const qp = { scale: tf.tensor1d([1, 0.5]), zeroPoint: tf.tensor1d([0, 1]) };
      return quantize(
        tf.tensor2d([
          [1, 1],
          [2, 2],
        ]),
        qp,
        args,
      ).dataSync();
    });
    expect(Array.from(out)).toEqual([1, 3, 2, 5]);
  });

  it('ragged groups round-trip within half a step', () => {
    const [x, recon, scale] = tf.tidy(() => {
      const w = tf.randomNormal([4, 172], 0, 1, 'float32', 7);
      const args = quantArgs({ bits: 4, granularity: perGroup(32, 1) });
      const qp = chooseQParams(w, args);
      expect(qp.scale.shape).toEqual([4, 6]);
      const r = dequantize(quantize(w, qp, args), qp, args);
      return [w.dataSync(), r.dataSync(), qp.scale.dataSync()];
    });
    for (let i = 0; i < x.length; i++) {
      const s = scale[Math.floor(i / 172) * 6 + Math.floor((i % 172) / 32)];
      expect(Math.abs(x[i] - recon[i])).toBeLessThanOrEqual(s / 2 + 1e-6);
    }
  });

  it('NF4 picks the nearest entry of the exact bitsandbytes table', () => {
    const codes = tf.tidy(() => {
      const values = tf.tensor1d([-1, -0.7, 0.04, 0.0397, 0.0398, 0.85, 1]);
      return quantize(values, scalarQp(1), quantArgs({ type: 'nf4' })).dataSync();
    });
    // 0.04 is nearer 0.0796 than 0; the midpoint between 0 and 0.07958 is 0.03979.
    expect(Array.from(codes)).toEqual([0, 1, 8, 7, 8, 14, 15]);
    expect(valueTable('nf4').values).toEqual(NF4_VALUES);
  });

  it('FP4 (e2m1) represents ±{0, .5, 1, 1.5, 2, 3, 4, 6}', () => {
    expect(Array.from(valueTable('fp4').values)).toEqual([
      -6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6,
    ]);
  });

  it('FP8 e4m3fn encodes OCP bit patterns, rounds ties to even and saturates at 448', () => {
    const codes = tf.tidy(() =>
      quantize(
        tf.tensor1d([1, -1, 448, 1000, 0.001953125, 1.0625, 1.1875]),
        scalarQp(1),
        quantArgs({ type: 'fp8-e4m3' }),
      ).dataSync(),
    );
    // 1 = 0x38, −1 = 0xB8, 448 = 0x7E, min subnormal 2^-9 = 0x01,
    // 1.0625 is halfway between 1 (0x38, even) and 1.125 (0x39) → 0x38; 1.1875 halfway 1.125/1.25 → 0x3A.
    expect(Array.from(codes)).toEqual([0x38, 0xb8, 0x7e, 0x7e, 0x01, 0x38, 0x3a]);
  });

  it('FP8 e5m2 has max 57344 and decodes codes back', () => {
    expect(valueTable('fp8-e5m2').maxValue).toBe(57344);
    const values = tf.tidy(() =>
      dequantize(
        tf.tensor1d([0x3c, 0x7b, 0x01], 'int32'),
        scalarQp(1),
        quantArgs({ type: 'fp8-e5m2' }),
      ).dataSync(),
    );
    expect(Array.from(values)).toEqual([1, 57344, 2 ** -16]);
  });

  it('releases every intermediate tensor', () => {
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([8, 40]);
    for (const args of [
      quantArgs({ bits: 3, granularity: perGroup(16, 1) }),
      quantArgs({ type: 'nf4', granularity: perChannel(0) }),
      quantArgs({ type: 'fp8-e5m2' }),
    ]) {
      const qp = chooseQParams(x, args);
      const codes = quantize(x, qp, args);
      tf.dispose([dequantize(codes, qp, args), codes, qp.scale, qp.zeroPoint]);
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
