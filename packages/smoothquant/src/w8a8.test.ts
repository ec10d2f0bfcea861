import {
  fakeQuantize,
  fakeQuantizePerToken,
  initBackend,
  runRecipe,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { createObserver } from '@lowbit/observers';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { linear, outputOf, toyModel } from './test-support/test-helpers';
import { PER_TOKEN_ARGS } from './w8a8-args';
import { w8a8Dynamic } from './w8a8-dynamic';
import { w8a8Static } from './w8a8-static';

const W = [
  [0.5, -1, 0.25],
  [2, 0.25, -0.75],
];
const BATCHES = [
  [
    [1, -8, 0.3],
    [-4, 2, 0.1],
  ],
  [
    [0.7, 3, -2.5],
    [5.5, -0.2, 1],
  ],
];

/** IEEE round half to even, as ONNX QuantizeLinear. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** PyTorch-style per-row asymmetric uint8 fake quantization, by hand in float64. */
function perRowUint8(rows: number[][]): number[][] {
  return rows.map((row) => {
    const lo = Math.min(...row, 0);
    const hi = Math.max(...row, 0);
    const scale = (hi - lo) / 255;
    const zero = Math.min(255, Math.max(0, -roundHalfEven(lo / scale)));
    return row.map((v) => (Math.min(255, Math.max(0, roundHalfEven(v / scale) + zero)) - zero) * scale);
  });
}

describe.each(TEST_BACKENDS)('W8A8 activation fake quantization on %s', (backend) => {
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

  it.each([{}, { symmetric: false }])(
    "static per-tensor: the observer's qparams, fakeQuantize on the input, int8 weights (%o)",
    (activationArgs) => {
      const model = toyModel([1, 1, 1], W);
      const calibration = BATCHES.map((b) => tf.tensor2d(b));
      const quantizer = w8a8Static({ activationArgs });
      const [report] = runRecipe(model, [quantizer], { calibration });
      const plan = quantizer.plan();
      if (plan.mode !== 'static') throw new Error('expected a static plan');

      const observer = createObserver('minmax', { args: plan.args });
      for (const x of calibration) observer.update(x);
      const qparams = observer.compute();
      const [scale, zeroPoint] = [qparams.scale.dataSync()[0], qparams.zeroPoint.dataSync()[0]];
      expect(plan.qparams.fc).toEqual({ scale, zeroPoint });
      expect(report.targets[0]).toMatchObject({
        target: 'fc',
        activationScale: scale,
        activationZeroPoint: zeroPoint,
      });
      expect(zeroPoint === 0).toBe(plan.args.symmetric);
      expect(model.fc.quantized?.args).toMatchObject({
        bits: 8,
        symmetric: true,
        granularity: { kind: 'channel' },
      });

      const simulated = withActivationQuantization(model, plan);
      for (const x of calibration) {
        const expected = tf.tidy(
          () =>
            linear(
              fakeQuantize(x, qparams, plan.args),
              model.fc.quantized!.dequantize(),
            ).dataSync() as Float32Array,
        );
        expect(Array.from(outputOf(simulated, x))).toEqual(Array.from(expected));
        expect(Array.from(outputOf(model, x))).not.toEqual(Array.from(expected));
      }
      observer.reset();
      tf.dispose([qparams.scale, qparams.zeroPoint, ...calibration]);
    },
  );

  it('dynamic per-token: per-row asymmetric uint8 min/max qparams', () => {
    const rows = [...BATCHES[0], ...BATCHES[1], [0.2, 0.4, 0.9]];
    const x = tf.tensor3d([rows.slice(0, 3), rows.slice(2, 5)]);
    const expected = perRowUint8([...rows.slice(0, 3), ...rows.slice(2, 5)]).flat();
    const actual = tf.tidy(() => fakeQuantizePerToken(x, PER_TOKEN_ARGS).dataSync());
    expect(actual.length).toBe(expected.length);
    actual.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
    x.dispose();
  });

  it('w8a8Dynamic: int8 weights and per-token activations in the simulated model', () => {
    const model = toyModel([1, 1, 1], W);
    const quantizer = w8a8Dynamic();
    const [report] = runRecipe(model, [quantizer]);
    expect(report.targets.map((t) => t.target)).toEqual(['fc']);
    expect(report.targets[0].relativeError).toBeGreaterThan(0);
    const simulated = withActivationQuantization(model, quantizer.plan());
    const x = tf.tensor2d(BATCHES[1]);
    const expected = tf.tidy(() => {
      const quantizedInput = tf.tensor2d(perRowUint8(BATCHES[1]));
      return linear(quantizedInput, model.fc.quantized!.dequantize()).dataSync();
    });
    outputOf(simulated, x).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 5);
    });
    x.dispose();
  });
});
