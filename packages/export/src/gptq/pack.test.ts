import { describe, expect, it } from 'vitest';
import { packQweight, packQzeros, unpackQweight, unpackQzeros } from './pack';

describe('GPTQ packing', () => {
  it('packs eight 4-bit codes of one output column into one int32, first code in the low nibble', () => {
    // Weight [out 2, in 8]: column 0 of GPTQ's [in, out] intweight is lowbit's row 0.
    const codes = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 15, 0, 0, 0, 0, 0, 0, 9);
    const qweight = packQweight(codes, 2, 8, 4);
    expect(Array.from(qweight, (w) => w >>> 0)).toEqual([0x87654321, 0x9000000f]);
    expect(unpackQweight(qweight, 2, 8, 4)).toEqual(codes);
  });

  it('lays words out as [in·bits/32, out]: word r of column o at r·out + o', () => {
    // in 16 → two 4-bit words per column; 3 output columns.
    const codes = Int32Array.from({ length: 3 * 16 }, (_, i) => (i % 16 === 8 ? Math.floor(i / 16) + 1 : 0));
    const qweight = packQweight(codes, 3, 16, 4);
    expect(Array.from(qweight)).toEqual([0, 0, 0, 1, 2, 3]);
  });

  it('packs 3-bit codes across word boundaries as GPTQ does (32 codes → 3 words)', () => {
    // GPTQ's pack(): codes 0–9 in word 0, code 10 split (2 low bits at word 0 bits 30–31, its high
    // bit at word 1 bit 0), codes 11–20 from word 1 bit 1, code 21 split (bit 0 at word 1 bit 31,
    // bits 1–2 at word 2 bits 0–1), codes 22–31 from word 2 bit 2.
    const codes = new Int32Array(32);
    codes[0] = 7; // word 0 bits 0–2
    codes[10] = 5; // 0b101: word 0 bit 30 ← 1, bit 31 ← 0; word 1 bit 0 ← 1
    codes[11] = 3; // word 1 bits 1–2
    codes[21] = 6; // 0b110: word 1 bit 31 ← 0; word 2 bits 0–1 ← 0b11
    codes[31] = 1; // word 2 bit 29
    const qweight = packQweight(codes, 1, 32, 3);
    expect(Array.from(qweight, (w) => w >>> 0)).toEqual([0x40000007, 0x00000007, 0x20000003]);
    expect(unpackQweight(qweight, 1, 32, 3)).toEqual(codes);
  });

  it('packs zero points along the output dimension, one row of words per group', () => {
    const zeros = Int32Array.from({ length: 16 }, (_, i) => i % 8); // 2 groups × 8 outputs
    const qzeros = packQzeros(zeros, 2, 8, 4);
    expect(Array.from(qzeros, (w) => w >>> 0)).toEqual([0x76543210, 0x76543210]);
    expect(unpackQzeros(qzeros, 2, 8, 4)).toEqual(zeros);
  });

  it('round-trips 2- and 8-bit codes', () => {
    for (const bits of [2, 8]) {
      const codes = Int32Array.from({ length: 4 * 64 }, (_, i) => (i * 7) % 2 ** bits);
      expect(unpackQweight(packQweight(codes, 4, 64, bits), 4, 64, bits)).toEqual(codes);
    }
  });
});
