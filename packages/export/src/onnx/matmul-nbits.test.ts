import { isLowbitError, perChannel, perGroup, QuantizedTensor, quantArgs } from '@lowbit/core-tensor';
import { describe, expect, it } from 'vitest';
import { matMulNBitsWeights } from './matmul-nbits';

function tensor(
  shape: [number, number],
  args: Parameters<typeof quantArgs>[0],
  codes: number[],
  params: number[],
  zero?: number[],
) {
  return new QuantizedTensor({
    shape,
    args: quantArgs(args),
    codes: Int32Array.from(codes),
    scale: Float32Array.from(params),
    zeroPoint: Float32Array.from(zero ?? params.map(() => 0)),
  });
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(isLowbitError(e, 'BAD_ARGS')).toBe(true);
    return e as Error;
  }
  throw new Error('expected a LowbitError');
}

describe('MatMulNBits weights', () => {
  it('packs 4-bit codes low nibble first, one blob per (row, block), with per-block scales and zero points', () => {
    // [N 1, K 32], groups of 16 → two blocks of 16 (blob 8 bytes each).
    const codes = Array.from({ length: 32 }, (_, k) => k % 16);
    const q = tensor(
      [1, 32],
      { bits: 4, symmetric: false, granularity: perGroup(16, 1) },
      codes,
      [0.5, 0.25],
      [3, 12],
    );
    const w = matMulNBitsWeights(q, 'w');
    expect(w).toMatchObject({ K: 32, N: 1, bits: 4, blockSize: 16 });
    expect(Array.from(w.B.subarray(0, 8))).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    expect(Array.from(w.scales)).toEqual([0.5, 0.25]);
    expect(Array.from(w.zeroPoints!)).toEqual([0xc3]); // block 0 in the low nibble
    expect(w.inputOrder).toBeUndefined();
  });

  it('packs 2-bit codes four per byte and offsets signed symmetric codes, omitting the default zero point', () => {
    const codes = Array.from({ length: 2 * 16 }, (_, k) => (k % 4) - 2); // signed 2-bit: −2..1
    const q = tensor([2, 16], { bits: 2, symmetric: true, granularity: perChannel(0) }, codes, [1, 2]);
    const w = matMulNBitsWeights(q, 'w');
    expect(w.blockSize).toBe(16);
    expect(Array.from(w.B.subarray(0, 4))).toEqual([0b11100100, 0b11100100, 0b11100100, 0b11100100]);
    expect(w.zeroPoints).toBeUndefined(); // zero 0 + offset 2 = 2^(bits−1), MatMulNBits' default
  });

  it('pads K to whole blocks with the zero point and repeats a per-channel scale over the blocks', () => {
    const q = tensor(
      [1, 20],
      { bits: 8, symmetric: false, granularity: perChannel(0) },
      Array(20).fill(200),
      [0.1],
      [7],
    );
    const w = matMulNBitsWeights(q, 'w', 16);
    expect(w.blockSize).toBe(16);
    expect(Array.from(w.scales)).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect(Array.from(w.B.subarray(16, 32))).toEqual([200, 200, 200, 200, ...Array(12).fill(7)]);
    expect(Array.from(w.zeroPoints!)).toEqual([7, 7]);
  });

  it('splits groups into smaller blocks when asked, and gathers act-order columns so groups are contiguous', () => {
    const split = matMulNBitsWeights(
      tensor(
        [1, 64],
        { bits: 4, symmetric: false, granularity: perGroup(64, 1) },
        Array(64).fill(1),
        [2],
        [1],
      ),
      'w',
      16,
    );
    expect(Array.from(split.scales)).toEqual([2, 2, 2, 2]);
    const gIdx = Int32Array.from({ length: 32 }, (_, k) => (k % 2 === 0 ? 1 : 0)); // odd columns in group 0
    const codes = Array.from({ length: 32 }, (_, k) => k % 16);
    const q = new QuantizedTensor({
      ...tensor(
        [1, 32],
        { bits: 4, symmetric: false, granularity: perGroup(16, 1) },
        codes,
        [1, 3],
        [0, 0],
      ).toRecord(),
      gIdx,
    });
    const w = matMulNBitsWeights(q, 'w');
    expect(Array.from(w.inputOrder!)).toEqual([
      ...Array.from({ length: 16 }, (_, i) => 2 * i + 1),
      ...Array.from({ length: 16 }, (_, i) => 2 * i),
    ]);
    expect(w.B[0] & 0xf).toBe(1); // position 0 holds column 1
    expect(Array.from(w.scales)).toEqual([1, 3]);
  });

  it('keeps float zero points (HQQ) as a float [N, blocks] input, padding with the rounded zero', () => {
    const q = tensor(
      [2, 20],
      { bits: 4, symmetric: false, zeroPointDomain: 'float', granularity: perGroup(16, 1) },
      Array(40).fill(5),
      [0.5, 0.25, 1, 2],
      [7.25, 16.5, -0.75, 3.5],
    );
    const w = matMulNBitsWeights(q, 'w');
    expect(w.zeroPoints).toBeInstanceOf(Float32Array);
    expect(Array.from(w.zeroPoints!)).toEqual([7.25, 16.5, -0.75, 3.5]);
    expect(Array.from(w.scales)).toEqual([0.5, 0.25, 1, 2]);
    // Row 0, block 1: four codes 5, then twelve paddings of round(16.5) clamped to 15.
    expect(Array.from(w.B.subarray(8, 16))).toEqual([0x55, 0x55, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(Array.from(w.B.subarray(16 + 8, 16 + 16))).toEqual([
      0x55, 0x55, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
    ]);
  });

  it('rejects what MatMulNBits cannot hold, naming the fix', () => {
    const int = (bits: number, size = 32) =>
      tensor(
        [1, 64],
        { bits, symmetric: false, granularity: perGroup(size, 1) },
        Array(64).fill(0),
        [1, 1].slice(0, Math.ceil(64 / size)),
      );
    expect(errorOf(() => matMulNBitsWeights(int(3), 'layers.0.attention.wq')).message).toMatch(
      /layers\.0\.attention\.wq.*3 bits.*2, 4 or 8 bits; use --bits 4/,
    );
    for (const size of [8, 48, 512]) {
      expect(errorOf(() => matMulNBitsWeights(int(4), 'w', size)).message).toMatch(
        /power of two ≥ 16.*16, 32, 64, 128, 256/,
      );
    }
    expect(errorOf(() => matMulNBitsWeights(int(4), 'w', 64)).message).toContain(
      'does not divide the group size 32; use 16, 32',
    );
    const odd = tensor(
      [1, 64],
      { bits: 4, symmetric: false, granularity: perGroup(40, 1) },
      Array(64).fill(0),
      [1, 1],
    );
    expect(errorOf(() => matMulNBitsWeights(odd, 'w')).message).toContain(
      'group size 40 is not a multiple of 16',
    );
    const nf4 = tensor([1, 64], { type: 'nf4', granularity: perGroup(32, 1) }, Array(64).fill(0), [1, 1]);
    expect(errorOf(() => matMulNBitsWeights(nf4, 'w')).message).toContain("quantize with type 'int'");
    const uneven = new QuantizedTensor({
      ...int(4).toRecord(),
      gIdx: Int32Array.from({ length: 64 }, (_, k) => (k < 40 ? 0 : 1)),
    });
    expect(errorOf(() => matMulNBitsWeights(uneven, 'w')).message).toContain('40 columns in group 0, not 32');
  });
});
