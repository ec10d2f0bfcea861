import { FLOAT32_EPS, initBackend } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, quantizeValues, randn } from './test-helpers';

type GroupSize = number | 'channel';

/** Column ranges [start, end) of each parameter group of one row. */
function groupRanges(columns: number, groupSize: GroupSize): [number, number][] {
  const size = groupSize === 'channel' ? columns : groupSize;
  return Array.from({ length: Math.ceil(columns / size) }, (_, g) => [
    g * size,
    Math.min((g + 1) * size, columns),
  ]);
}

/** Min/max scale of one group, computed here from its definition rather than by core. */
function expectedScale(values: Float32Array, bits: number, symmetric: boolean): number {
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const levels = 2 ** bits - 1;
  const scale = symmetric ? Math.max(-min, max) / (levels / 2) : (max - min) / levels;
  return Math.max(scale, FLOAT32_EPS);
}

/** Quantizes `values` and checks scales, code ranges, |w − ŵ| ≤ scale/2 and the relative error. */
function checkIntRtn(
  values: Float32Array,
  shape: [number, number],
  bits: number,
  symmetric: boolean,
  groupSize: GroupSize,
) {
  const result = quantizeValues(values, shape, { bits, symmetric, groupSize });
  const [rows, columns] = shape;
  const ranges = groupRanges(columns, groupSize);
  const [low, high] = symmetric ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  let errorSquares = 0;
  let weightSquares = 0;
  for (let r = 0; r < rows; r++) {
    ranges.forEach(([start, end], g) => {
      const scale = result.quantized.scale[r * ranges.length + g];
      expect(scale).toBeCloseTo(
        expectedScale(values.subarray(r * columns + start, r * columns + end), bits, symmetric),
        6,
      );
      for (let i = r * columns + start; i < r * columns + end; i++) {
        expect(result.quantized.codes[i]).toBeGreaterThanOrEqual(low);
        expect(result.quantized.codes[i]).toBeLessThanOrEqual(high);
        const error = Math.abs(values[i] - result.reconstruction[i]);
        expect(error).toBeLessThanOrEqual((scale / 2) * (1 + 1e-5) + 1e-7);
        errorSquares += error ** 2;
        weightSquares += values[i] ** 2;
      }
    });
  }
  expect(result.relativeError).toBeCloseTo(Math.sqrt(errorSquares / weightSquares), 5);
  return result;
}

const CASES = [2, 3, 4, 8].flatMap((bits) =>
  [false, true].flatMap((symmetric) =>
    (['channel', 16] as const).map((groupSize) => ({ bits, symmetric, groupSize })),
  ),
);

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(CASES)(
    'int$bits symmetric=$symmetric groupSize=$groupSize stays within scale/2',
    ({ bits, symmetric, groupSize }) => {
      // Shifted data so that asymmetric ranges differ from symmetric ones.
      const values = randn(6 * 64, bits * 10 + Number(symmetric)).map((v) => v + 0.4);
      checkIntRtn(values, [6, 64], bits, symmetric, groupSize);
    },
  );

  it.each([false, true])('ragged groups: [8, 172] with group 32 (symmetric=%s)', (symmetric) => {
    const result = checkIntRtn(randn(8 * 172, 3), [8, 172], 4, symmetric, 32);
    expect(result.quantized.paramShape).toEqual([8, 6]);
    const zeroPointBytes = symmetric ? 0 : 48 / 2;
    expect(result.sizeBytes).toBe((8 * 172) / 2 + 4 * 48 + zeroPointBytes);
  });

  it('shows a lower error with more bits and smaller groups', () => {
    const values = randn(8 * 128, 11);
    const error = (bits: number, groupSize: GroupSize) =>
      quantizeValues(values, [8, 128], { bits, groupSize }).relativeError;
    expect(error(8, 32)).toBeLessThan(error(4, 32));
    expect(error(4, 32)).toBeLessThan(error(4, 'channel'));
    expect(error(4, 32)).toBeLessThan(0.15);
  });
});
