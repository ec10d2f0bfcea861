import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { LowbitError } from './errors';
import { perGroup } from './granularity';
import { quantArgs } from './quant-args';
import { QuantizedTensor } from './quantized-tensor';
import { TEST_BACKENDS } from './test-support/backends';
import { tf } from './tf';

describe.each(TEST_BACKENDS)('QuantizedTensor on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([2, 3, 4, 8])('packs and unpacks %i-bit signed codes bit-exactly', (bits) => {
    const x = tf.randomNormal([6, 50], 0, 1, 'float32', bits);
    const qt = QuantizedTensor.fromTensor(
      x,
      quantArgs({ bits, symmetric: true, granularity: perGroup(16, 1) }),
    );
    x.dispose();
    expect(Array.from(qt.withPackedCodes(qt.packCodes()).codes)).toEqual(Array.from(qt.codes));
    expect(qt.packCodes().length).toBe(Math.ceil((300 * bits) / 32));
  });

  it('dequantizes with g_idx when groups are not contiguous', () => {
    const args = quantArgs({ bits: 4, granularity: perGroup(2, 1) });
    const qt = new QuantizedTensor({
      shape: [1, 4],
      args,
      codes: Int32Array.from([1, 1, 1, 1]),
      scale: Float32Array.from([1, 10]),
      zeroPoint: Float32Array.from([0, 0]),
      gIdx: Int32Array.from([1, 0, 1, 0]),
    });
    const values = tf.tidy(() => qt.dequantize().dataSync());
    expect(Array.from(values)).toEqual([10, 1, 10, 1]);
  });

  it('counts its storage: packed codes, scales and packed zero points', () => {
    const x = tf.zeros([4, 64]);
    const qt = QuantizedTensor.fromTensor(x, quantArgs({ bits: 4, granularity: perGroup(32, 1) }));
    x.dispose();
    expect(qt.sizeBytes()).toBe(128 + 8 * 4 + 4);
  });

  it('rejects records whose arrays do not match the shape', () => {
    const make = () =>
      new QuantizedTensor({
        shape: [2, 2],
        args: quantArgs({ bits: 8 }),
        codes: new Int32Array(3),
        scale: new Float32Array(1),
        zeroPoint: new Float32Array(1),
      });
    expect(make).toThrow(LowbitError);
  });
});
