import { initBackend } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RtnConfigInput } from './config';
import { BACKENDS, quantizeValues, randn } from './test-helpers';

const NORM = 2.4;
const GROUP = 16;

/** Σ|w − ŵ|^p of each consecutive run of GROUP elements (the groups of a row-major [rows, k·GROUP] weight). */
function groupErrors(values: Float32Array, reconstruction: Float32Array): number[] {
  const errors = new Array(values.length / GROUP).fill(0);
  values.forEach((v, i) => {
    errors[Math.floor(i / GROUP)] += Math.abs(v - reconstruction[i]) ** NORM;
  });
  return errors;
}

/** Per-group Lp errors of plain min/max RTN and of RTN with the MSE clip search. */
function compare(values: Float32Array, config: RtnConfigInput) {
  const shape: [number, number] = [8, values.length / 8];
  const plain = quantizeValues(values, shape, { ...config, groupSize: GROUP });
  const searched = quantizeValues(values, shape, { ...config, groupSize: GROUP, mseSearch: { norm: NORM } });
  return {
    plain: groupErrors(values, plain.reconstruction),
    searched: groupErrors(values, searched.reconstruction),
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Gaussian weights where one element in 16 is an outlier of 4–6 σ. */
function withOutliers(count: number, seed: number): Float32Array {
  return randn(count, seed).map((v, i) => (i % 16 === 5 ? Math.sign(v) * (4 + (i % 3)) : v));
}

const CONFIGS: RtnConfigInput[] = [{ bits: 3 }, { bits: 4, symmetric: true }, { type: 'nf4' }];

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(CONFIGS)('never has a higher Lp error than min/max (%o)', (config) => {
    for (const values of [randn(8 * 64, 21), withOutliers(8 * 64, 22)]) {
      const { plain, searched } = compare(values, config);
      searched.forEach((error, g) => {
        expect(error).toBeLessThanOrEqual(plain[g] * (1 + 1e-4) + 1e-9);
      });
    }
  });

  it.each(CONFIGS)('has a strictly lower Lp error on data with outliers (%o)', (config) => {
    const { plain, searched } = compare(withOutliers(8 * 64, 23), config);
    expect(sum(searched)).toBeLessThan(0.95 * sum(plain));
  });
});
