import { FLOAT32_EPS, initBackend, tf } from '@lowbit/core-tensor';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RtnConfigInput } from './config';
import { rtnQuantizeTensor } from './quantize-tensor';
import { BACKENDS, expectLowbitError, quantizeValues } from './test-helpers';

describe.each(BACKENDS)('%s', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  /** Quantizes a weight made from `values`, then disposes it whatever happens. */
  function quantize(values: number[][] | tf.Tensor, config: RtnConfigInput, name = 'layers.0.q_proj') {
    const weight = (values instanceof tf.Tensor ? values : tf.tensor2d(values)) as tf.Tensor2D;
    try {
      return rtnQuantizeTensor(weight, config, name);
    } finally {
      weight.dispose();
    }
  }

  it.each([0, 9, Number.NaN])('rejects bits %s', (bits) => {
    expectLowbitError(() => quantize([[1, 2]], { bits, groupSize: 'channel' }), 'BAD_ARGS', /from 2 to 8/);
  });

  it('rejects group size 0', () => {
    expectLowbitError(() => quantize([[1, 2]], { groupSize: 0 }), 'BAD_ARGS', /positive integer/);
  });

  it('rejects a group size larger than the input dimension, naming the weight', () => {
    expectLowbitError(
      () => quantize([[1, 2, 3, 4]], { groupSize: 8 }),
      'BAD_ARGS',
      /"layers\.0\.q_proj"/,
      /use groupSize ≤ 4 or groupSize: 'channel'/,
    );
    expectLowbitError(
      () => quantize([[1, 2, 3, 4]], { type: 'nf4' }),
      'BAD_ARGS',
      /element count .* use groupSize ≤ 4/,
    );
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects a %s weight by name',
    (bad) => {
      expectLowbitError(
        () =>
          quantize(
            [
              [1, bad],
              [3, 4],
            ],
            { groupSize: 'channel' },
          ),
        'BAD_TENSOR',
        /"layers\.0\.q_proj" has 1 NaN or Inf/,
        /fix or remove them/,
      );
    },
  );

  it('rejects an empty weight', () => {
    expectLowbitError(
      () => quantize(tf.zeros([0, 8]), {}),
      'BAD_TENSOR',
      /empty; pass a tensor with at least one element/,
    );
  });

  it('rejects weights that are not float32 [out, in] matrices', () => {
    expectLowbitError(() => quantize(tf.zeros([2, 2, 2]), {}), 'BAD_TENSOR', /pass a 2-D \[out, in\] weight/);
    expectLowbitError(() => quantize(tf.zeros([2, 2], 'int32'), { groupSize: 2 }), 'BAD_TENSOR', /tf\.cast/);
  });

  it.each<RtnConfigInput>([
    { groupSize: 4 },
    { symmetric: true, groupSize: 'channel' },
    { type: 'nf4', groupSize: 4 },
    { type: 'fp4', doubleQuant: true, groupSize: 2 },
    { groupSize: 4, mseSearch: true },
  ])('gives an all-zero weight the eps scale and an exact reconstruction (%o)', (config) => {
    const result = quantizeValues(new Float32Array(16), [2, 8], config);
    result.quantized.scale.forEach((s) => {
      expect(s).toBeCloseTo(FLOAT32_EPS, 12);
    });
    expect(Array.from(result.reconstruction)).toEqual(new Array(16).fill(0));
    expect(result.relativeError).toBe(0);
  });

  it.each<RtnConfigInput>([
    { groupSize: 4 },
    { symmetric: true, groupSize: 4 },
    { type: 'nf4', groupSize: 8 },
  ])(
    'gives a constant weight a finite, positive scale within half of which it is restored (%o)',
    (config) => {
      const result = quantizeValues(new Float32Array(16).fill(-0.75), [2, 8], config);
      const scales = Array.from(result.quantized.scale);
      scales.forEach((s) => {
        expect(s).toBeGreaterThan(0);
      });
      const bound = Math.max(...scales) / 2 + 1e-7;
      result.reconstruction.forEach((v) => {
        expect(Math.abs(v + 0.75)).toBeLessThanOrEqual(bound);
      });
    },
  );
});
