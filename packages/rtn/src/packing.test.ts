import {
  initBackend,
  packInt32,
  packNibbles,
  perChannel,
  QuantizedTensor,
  quantArgs,
  unpackInt32,
  unpackNibbles,
} from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, quantizeValues, randn } from './test-helpers';

const CASES = [2, 3, 4, 8].flatMap((bits) => [false, true].map((symmetric) => ({ bits, symmetric })));

describe('3-bit packing layout (hand-worked)', () => {
  // Codes sit LSB-first in a little-endian bit stream: code i occupies bits [3i, 3i + 3).
  // Code 10 (= 0b101) takes bits 30–32: bit 30 = 1 and bit 31 = 0 in word 0, bit 0 = 1 in word 1.
  // Code 11 (= 0b110) takes bits 1–3 of word 1. So word 0 = 0x40000000 | 7, word 1 = 0b1101.
  const codes = [7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6];
  const words = [0x40000007, 0b1101];

  it('packs codes that span a 32-bit word boundary', () => {
    expect(Array.from(packInt32(codes, 3))).toEqual(words);
    expect(Array.from(unpackInt32(Int32Array.from(words), 3, codes.length))).toEqual(codes);
  });

  it('offsets signed codes by 4 before packing them in a QuantizedTensor', () => {
    const args = quantArgs({ bits: 3, symmetric: true, granularity: perChannel(0) });
    const signed = new QuantizedTensor({
      shape: [1, 12],
      args,
      codes: Int32Array.from(codes, (c) => c - 4),
      scale: Float32Array.of(1),
      zeroPoint: Float32Array.of(0),
    });
    expect(Array.from(signed.packCodes())).toEqual(words);
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(CASES)('int$bits symmetric=$symmetric codes round-trip bit-exactly', ({ bits, symmetric }) => {
    const { quantized } = quantizeValues(randn(5 * 40, bits), [5, 40], { bits, symmetric, groupSize: 16 });
    const packed = quantized.packCodes();
    expect(packed).toHaveLength(Math.ceil((200 * bits) / 32));
    const restored = quantized.withPackedCodes(packed);
    expect(restored.codes).toEqual(quantized.codes);
    expect(restored.scale).toEqual(quantized.scale);
    expect(restored.zeroPoint).toEqual(quantized.zeroPoint);
  });

  it.each([{ type: 'int' }, { type: 'nf4' }] as const)(
    '4-bit $type codes round-trip through packNibbles',
    ({ type }) => {
      const { quantized } = quantizeValues(randn(6 * 33, 9), [6, 33], { type, groupSize: 11 });
      const packed = packNibbles(quantized.codes);
      expect(packed).toHaveLength(99);
      expect(Int32Array.from(unpackNibbles(packed, quantized.codes.length))).toEqual(quantized.codes);
    },
  );
});
