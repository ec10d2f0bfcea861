import {
  ArrayTarget,
  type Block,
  forwardModel,
  initBackend,
  type Modifier,
  type QuantModel,
  runRecipe,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import {
  expectLowbitError,
  syntheticImages as images,
  randn,
  SMALL_CNN,
  syntheticCnn,
  TEST_BACKENDS,
} from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withBiasCorrection } from './bias-correction-modifier';
import { foldBatchNorms } from './fold-batch-norms-modifier';
import { testQuantizer } from './test-support/test-quantizer';

/** An inner "quantizer" that adds a known error D to every weight. */
function perturbing(delta: Float32Array): Modifier {
  return {
    name: 'perturb',
    needsCalibration: false,
    applyBlock: (block: Block) => {
      for (const target of block.targets) {
        const shifted = tf.tidy(() => tf.add(target.weight(), tf.tensor(delta, target.shape as number[])));
        target.setWeight(shifted);
        shifted.dispose();
      }
    },
    finalize: () => ({
      modifier: 'perturb',
      config: {},
      targets: [{ target: 'fc', relativeError: 0.1, seconds: 0 }],
      seconds: 0,
    }),
  };
}

/** Per-output-channel means of the model's outputs over `batches`. */
function outputMeans(model: QuantModel, batches: tf.Tensor[]): number[] {
  return tf.tidy(() => {
    const outputs = batches.map((x) => forwardModel(model, x));
    return Array.from(tf.mean(tf.concat(outputs, 0), 0).dataSync());
  });
}

describe.each(TEST_BACKENDS)('withBiasCorrection (%s)', (backend) => {
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

  it('removes a hand-worked linear layer output shift E[(W̃ − W)x] = D·E[x] exactly', () => {
    const cnn = syntheticCnn([{ op: 'dense', name: 'fc', out: 2, in: 3 }]);
    const fc = cnn.targets.get('fc')!;
    const bias = fc.bias.read();
    const calibration = [
      tf.tensor2d([
        [1, 2, 3],
        [3, 0, -1],
      ]),
      tf.tensor2d([
        [2, 1, 1],
        [2, 1, 1],
      ]),
    ];
    const floatMeans = outputMeans(cnn.model, calibration);
    // E[x] = [2, 1, 1]; D = [[0.1, 0, −0.2], [0.05, 0.05, 0.05]] → D·E[x] = [0, 0.2].
    const delta = Float32Array.of(0.1, 0, -0.2, 0.05, 0.05, 0.05);
    const [report] = runRecipe(cnn.model, [withBiasCorrection(perturbing(delta))], { calibration });
    const corrected = fc.bias.read();
    expect(corrected[0]).toBeCloseTo(bias[0], 5);
    expect(corrected[1]).toBeCloseTo(bias[1] - 0.2, 5);
    const means = outputMeans(cnn.model, calibration);
    means.forEach((m, c) => {
      expect(m).toBeCloseTo(floatMeans[c], 5);
    });
    tf.dispose(calibration);
    expect(report.modifier).toBe('perturb+bias-correction');
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0].relativeError).toBe(0.1);
    expect(report.targets[0].biasShift).toBeCloseTo(0.2, 5);
  });

  it('on a synthetic CNN zeroes the mean output error on the calibration data and does not raise the MSE', () => {
    const run = (corrected: boolean) => {
      const cnn = syntheticCnn(SMALL_CNN, { seed: 5 });
      const calibration = [images(32, 8), images(32, 9)];
      const floatMeans = outputMeans(cnn.model, calibration);
      const floatOutputs = calibration.map((x) => forwardModel(cnn.model, x));
      const quantizer = testQuantizer(3, 6);
      const recipe = [foldBatchNorms(), corrected ? withBiasCorrection(quantizer) : quantizer];
      runRecipe(cnn.model, recipe, { calibration });
      const quantized = withActivationQuantization(cnn.model, quantizer.plan());
      const means = outputMeans(quantized, calibration);
      const mse = tf.tidy(() => {
        const errors = calibration.map((x, i) =>
          tf.mean(tf.square(tf.sub(forwardModel(quantized, x), floatOutputs[i]))),
        );
        return tf.mean(tf.stack(errors)).dataSync()[0];
      });
      tf.dispose([...calibration, ...floatOutputs]);
      return { meanError: means.map((m, c) => Math.abs(m - floatMeans[c])), mse };
    };
    const plain = run(false);
    const corrected = run(true);
    expect(Math.max(...plain.meanError)).toBeGreaterThan(1e-2);
    expect(Math.max(...corrected.meanError)).toBeLessThan(1e-4);
    expect(corrected.mse).toBeLessThan(plain.mse);
  });

  it('delegates the plan and observe, and merges bias shifts into the inner report', () => {
    const cnn = syntheticCnn(SMALL_CNN);
    const inner = testQuantizer(4, 8);
    const wrapped = withBiasCorrection(inner);
    expect(wrapped.needsCalibration).toBe(true);
    expect(wrapped.observe).toBeUndefined();
    const calibration = [images(8, 3)];
    const [report] = runRecipe(cnn.model, [foldBatchNorms(), wrapped], { calibration }).filter((r) =>
      r.modifier.endsWith('bias-correction'),
    );
    tf.dispose(calibration);
    expect(wrapped.plan()).toBe(inner.plan());
    expect(report.targets.map((t) => t.target)).toEqual(['conv1', 'conv2', 'fc']);
    for (const row of report.targets) expect(row.biasShift).toBeGreaterThan(0);
  });

  it('refuses a target without bias or op (UNSUPPORTED_OP naming it) and runs only with calibration', () => {
    const plain = new ArrayTarget('proj', 'linear', [2, 2], Float32Array.of(1, 2, 3, 4));
    const block: Block = { name: 'graph', targets: [plain], mappings: [], forward: (x) => tf.clone(x) };
    const x = tf.tensor2d(randn(4, 1), [2, 2]);
    const wrapped = withBiasCorrection(testQuantizer(4, 8));
    expectLowbitError(
      () => wrapped.applyBlock(block, { model: undefined as never, blockIndex: 0, inputs: [x] }),
      'UNSUPPORTED_OP',
      /"proj"/,
    );
    x.dispose();
    const cnn = syntheticCnn(SMALL_CNN);
    expectLowbitError(
      () => runRecipe(cnn.model, [withBiasCorrection(testQuantizer(4, 8))]),
      'NOT_READY',
      /calibration/,
    );
    expect(cnn.targets.get('conv1')!.quantized).toBeUndefined();
  });
});
