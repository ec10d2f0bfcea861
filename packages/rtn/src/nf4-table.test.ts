import { initBackend, NF4_VALUES, valueTable } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, quantizeValues } from './test-helpers';

/** bitsandbytes' published NF4 code book (bitsandbytes/functional.py, `get_4bit_type('nf4')`). */
const BNB_NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

/** erf by its Maclaurin series, accurate to ~1e-13 for |x| ≤ 3 (NF4 needs |x| < 1.4). */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

/** The standard normal quantile, by bisection of the CDF on [-3, 3]. */
function normalQuantile(p: number): number {
  let lo = -3;
  let hi = 3;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Float32 `torch.linspace`. */
const linspace = (start: number, end: number, steps: number) =>
  Array.from({ length: steps }, (_, i) => Math.fround(start + ((end - start) * i) / (steps - 1)));

/** bitsandbytes' `create_normal_map(offset=0.9677083, use_extra_value=True)`, zeros deduplicated. */
function createNormalMap(offset = 0.9677083): number[] {
  const positive = linspace(offset, 0.5, 9).slice(0, -1).map(normalQuantile);
  const negative = linspace(offset, 0.5, 8)
    .slice(0, -1)
    .map((p) => -normalQuantile(p));
  const values = [...positive, 0, ...negative].map(Math.fround).sort((a, b) => a - b);
  const max = values[values.length - 1];
  return values.map((v) => Math.fround(v / max));
}

describe('NF4 table', () => {
  it('the normal quantile matches reference values', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 10);
    expect(normalQuantile(0.0227501319481792)).toBeCloseTo(-2, 10);
  });

  it("equals bitsandbytes' published values", () => {
    expect(Array.from(NF4_VALUES)).toEqual(BNB_NF4.map(Math.fround));
    expect(Array.from(valueTable('nf4').values)).toEqual(Array.from(NF4_VALUES));
  });

  it('equals the normal quantiles of create_normal_map within 1e-6', () => {
    const recomputed = createNormalMap();
    expect(recomputed).toHaveLength(16);
    recomputed.forEach((v, i) => {
      expect(Math.abs(v - NF4_VALUES[i])).toBeLessThan(1e-6);
    });
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('maps every NF4 value, scaled by the block absmax, to its own code', () => {
    const absmax = 1.5;
    const weight = [...NF4_VALUES, ...NF4_VALUES].map((v) => v * absmax);
    const result = quantizeValues(weight, [2, 16], { type: 'nf4', groupSize: 32 });
    expect(Array.from(result.quantized.scale)).toEqual([absmax]);
    expect(Array.from(result.quantized.codes)).toEqual([...Array(16).keys(), ...Array(16).keys()]);
    expect(result.relativeError).toBeLessThan(1e-6);
  });
});
