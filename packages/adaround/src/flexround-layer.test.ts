import { chooseQParams, disposeQParams, initBackend, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { flexroundLayer } from './flexround-layer';
import type { LayerApply } from './reconstruction';
import { conv2dApply, linearApply } from './test-support/layers';
import { correlatedRows, randn, smoothImages } from './test-support/random';
import { matrixView, weightArgs } from './weight-grid';

const ARGS = weightArgs({ bits: 3, symmetric: true, granularity: 'channel' });

describe.each(TEST_BACKENDS)('flexroundLayer (%s)', (backend) => {
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

  const cases: { layer: string; make: () => { weight: tf.Tensor; inputs: tf.Tensor }; apply: LayerApply }[] =
    [
      {
        layer: 'linear [6, 16]',
        make: () => ({
          weight: tf.mul(tf.tensor2d(randn(96, 3), [6, 16]), 0.3),
          inputs: correlatedRows(256, 16, 11),
        }),
        apply: linearApply,
      },
      {
        layer: 'conv [4, 2, 3, 3]',
        make: () => ({
          weight: tf.mul(tf.tensor4d(randn(72, 4), [4, 2, 3, 3]), 0.3),
          inputs: smoothImages(64, 2, 8, 12),
        }),
        apply: conv2dApply,
      },
    ];

  it.each(cases)(
    '$layer: learns a per-channel QuantizedTensor (codes, s1) that beats nearest',
    ({ make, apply }) => {
      const { weight, inputs } = tf.tidy(make);
      const targets = apply(inputs, weight);
      const qparams = tf.tidy(() => chooseQParams(matrixView(weight), ARGS));
      const gridScale = Array.from(qparams.scale.dataSync());
      const iterations = backend === 'cpu' && weight.rank === 4 ? 300 : 800;
      const result = flexroundLayer({ weight, args: ARGS, qparams, inputs, targets, apply }, { iterations });
      const q = result.quantized;
      // A standard per-channel tensor: one learned s1 per row, the grid's zero point, codes in range.
      expect(q.scale.length).toBe(weight.shape[0]);
      expect(Array.from(q.zeroPoint)).toEqual(new Array(weight.shape[0]).fill(0));
      expect(q.codes.every((c) => c >= -4 && c <= 3)).toBe(true);
      // s1 moved away from the min-max grid, but not far (log-parameterised, small rate).
      const moved = Array.from(q.scale).map((s, i) => Math.abs(s / gridScale[i] - 1));
      expect(Math.max(...moved)).toBeGreaterThan(1e-4);
      expect(Math.max(...moved)).toBeLessThan(0.5);
      // Its dequantized weight reproduces the reported loss, which is below nearest rounding's.
      const loss = tf.tidy(() => {
        const w = tf.reshape(q.dequantize(), weight.shape);
        const out = apply(inputs, w);
        return (tf.sum(tf.squaredDifference(out, targets)).dataSync()[0] * out.shape[1]!) / out.size;
      });
      expect(result.loss).toBeCloseTo(loss, 4);
      expect(result.loss).toBeLessThan(result.nearestLoss);
      expect(result.flipped).toBeGreaterThan(0);
      disposeQParams(qparams);
      tf.dispose([weight, inputs, targets]);
    },
  );
});
