import { mulberry32 } from '@lowbit/core-tensor';
import { describe, expect, it } from 'vitest';
import { AWQ_ORDER, AWQ_REVERSE_ORDER, packAwq, unpackAwq } from './pack';

describe('AWQ GEMM packing', () => {
  it('packs eight output columns into one int32 in the interleaved order [0, 2, 4, 6, 1, 3, 5, 7]', () => {
    // Column c holds c + 1. Nibbles from the lowest: columns 0, 2, 4, 6, 1, 3, 5, 7 → 1, 3, 5, 7, 2, 4, 6, 8.
    const packed = packAwq(Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 1, 8);
    expect(packed[0] >>> 0).toBe(0x86427531);
    expect(Array.from(unpackAwq(packed, 1, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('puts a lone 15 of column c in nibble AWQ_REVERSE_ORDER[c], the inverse of AWQ_ORDER', () => {
    for (let c = 0; c < 8; c++) {
      const values = new Int32Array(8);
      values[c] = 15;
      expect(packAwq(values, 1, 8)[0] >>> 0).toBe((15 << (4 * AWQ_REVERSE_ORDER[c])) >>> 0);
      expect(AWQ_ORDER[AWQ_REVERSE_ORDER[c]]).toBe(c);
    }
  });

  it('round-trips random [rows, cols] values, row by row, eight columns per word', () => {
    const random = mulberry32(3);
    const values = Int32Array.from({ length: 3 * 24 }, () => Math.floor(random() * 16));
    const packed = packAwq(values, 3, 24);
    expect(packed.length).toBe(3 * 3);
    expect(unpackAwq(packed, 3, 24)).toEqual(values);
  });
});
