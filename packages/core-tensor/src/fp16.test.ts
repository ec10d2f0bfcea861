import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from './fp16';

describe('fp16', () => {
  it('encodes known values (IEEE 754 binary16)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
    ];
    for (const [value, bits] of cases) expect(toFloat16Bits(value), String(value)).toBe(bits);
    expect(toFloat16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it('rounds to nearest, ties to even', () => {
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 0x3c00 (even) and 0x3c01
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02 (even)
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(toFloat16Bits(65519)).toBe(0x7bff); // below the overflow midpoint
    expect(toFloat16Bits(65520)).toBe(0x7c00); // the midpoint ties to even: Inf
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // half the smallest subnormal ties to 0
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 subnormal steps ties to even 2
    expect(toFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up out of the subnormals
  });

  it('round-trips every finite binary16 value and rounds float32 to the nearest one', () => {
    for (let h = 0; h < 0x10000; h++) {
      const value = fromFloat16Bits(h);
      if (Number.isNaN(value)) continue;
      expect(toFloat16Bits(value)).toBe(h);
    }
    for (const x of [0.3, -1234.567, 3.14159e-5, 7.7e-7, 42.42]) {
      const error = Math.abs(fromFloat16Bits(toFloat16Bits(x)) - x);
      const neighbours = [toFloat16Bits(x) - 1, toFloat16Bits(x) + 1].map((h) =>
        Math.abs(fromFloat16Bits(h) - x),
      );
      expect(error).toBeLessThanOrEqual(Math.min(...neighbours));
    }
  });
});
