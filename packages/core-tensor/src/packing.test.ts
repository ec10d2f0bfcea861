import { describe, expect, it } from 'vitest';
import { LowbitError } from './errors';
import { packInt32, packNibbles, unpackInt32, unpackNibbles } from './packing';

function randomCodes(count: number, bits: number, seed: number): Int32Array {
  let state = seed;
  return Int32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % 2 ** bits;
  });
}

describe('bit packing', () => {
  it.each([2, 3, 4, 8])('round-trips %i-bit codes bit-exactly', (bits) => {
    for (const count of [1, 31, 32, 33, 1000]) {
      const codes = randomCodes(count, bits, count * bits);
      expect(Array.from(unpackInt32(packInt32(codes, bits), bits, count))).toEqual(Array.from(codes));
    }
  });

  it('lays codes LSB-first, 3-bit codes spanning the word boundary', () => {
    // Eleven 3-bit codes: code 10 sits at bits 30..32, its top bit in word 1.
    const codes = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
    const words = packInt32(codes, 3);
    expect(words.length).toBe(2);
    expect(words[0] >>> 0).toBe((1 | (3 << 30)) >>> 0);
    expect(words[1]).toBe(1);
  });

  it('packs 4-bit codes as GPTQ does: eight per int32, first in the low nibble', () => {
    const words = packInt32([1, 2, 3, 4, 5, 6, 7, 8], 4);
    expect(words[0] >>> 0).toBe(0x87654321);
  });

  it('packs nibbles low-first into bytes (ONNX int4 / MatMulNBits)', () => {
    const packed = packNibbles([1, 2, 15]);
    expect(Array.from(packed)).toEqual([0x21, 0x0f]);
    expect(Array.from(unpackNibbles(packed, 3))).toEqual([1, 2, 15]);
  });

  it('rejects codes that do not fit, and unsupported widths', () => {
    expect(() => packInt32([16], 4)).toThrow(LowbitError);
    expect(() => packInt32([-1], 4)).toThrow(/unsigned/);
    expect(() => packInt32([1], 5)).toThrow(/2, 3, 4 and 8/);
    expect(() => unpackInt32(new Int32Array(1), 4, 9)).toThrow(/too few/);
  });
});
