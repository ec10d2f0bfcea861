import { forwardModel, initBackend, runRecipe, tf } from '@lowbit/core-tensor';
import { randn } from '@lowbit/core-tensor/testing';
import { fromLayersModel } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { equalizeCrossLayer } from './equalize-cross-layer-modifier';
import { foldBatchNorms } from './fold-batch-norms-modifier';

/** conv(4) → BN → ReLU → pool → conv(8) → BN → ReLU → pool → flatten → dense(10), as examples/quickstart. */
function buildCnn(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 1],
        filters: 4,
        kernelSize: 3,
        kernelInitializer: init(1),
        biasInitializer: 'randomNormal',
      }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, kernelInitializer: init(2) }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(3) }),
    ],
  });
  // Non-trivial moving statistics, γ and β.
  model.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .forEach((layer, k) => {
      const channels = layer.getWeights()[0].shape[0];
      const [gamma, beta, mean, variance] = [0.3, 0.2, 0.5, 0.6].map((scale, j) =>
        randn(channels, 40 + 10 * k + j, scale),
      );
      tf.tidy(() =>
        layer.setWeights([
          tf.tensor1d(gamma.map((g) => 1 + g)),
          tf.tensor1d(beta),
          tf.tensor1d(mean),
          tf.tensor1d(variance.map((v) => 0.1 + v * v)),
        ]),
      );
    });
  return model;
}

function relativeMaxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(a)).dataSync()[0]);
}

function values(t: { weight(): tf.Tensor }): Float32Array {
  const w = t.weight();
  const data = Float32Array.from(w.dataSync());
  w.dispose();
  return data;
}

describe('a tfjs-layers CNN with BatchNormalization (wasm)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('folding its batch norms leaves the outputs unchanged within 1e-5 and matches the hand formula', () => {
    const model = fromLayersModel(buildCnn());
    const block = model.blocks[0];
    const sites = [...(block.batchNorms ?? [])];
    expect(sites.map((s) => s.target)).toEqual(block.targets.slice(0, 2).map((t) => t.name));
    const before = new Map(block.targets.map((t) => [t.name, { w: values(t), b: t.bias!.read() }]));
    const x = tf.tensor4d(randn(6 * 144, 9, 1, 0.5), [6, 12, 12, 1]);
    const baseline = tf.memory().numTensors;
    const expected = forwardModel(model, x);
    const [report] = runRecipe(model, [foldBatchNorms()]);
    const actual = forwardModel(model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThanOrEqual(1e-5);
    tf.dispose([expected, actual]);
    expect(tf.memory().numTensors).toBe(baseline);
    x.dispose();
    expect(block.batchNorms ?? []).toEqual([]);
    expect(report.targets).toHaveLength(2);
    for (const site of sites) {
      const target = block.targets.find((t) => t.name === site.target)!;
      const { w, b } = before.get(site.target)!;
      const folded = values(target);
      const bias = target.bias!.read();
      const row = w.length / site.gamma.length;
      let worst = 0;
      w.forEach((v, i) => {
        const c = Math.floor(i / row);
        const scale = site.gamma[c] / Math.sqrt(site.variance[c] + site.epsilon);
        worst = Math.max(worst, Math.abs(folded[i] - v * scale));
      });
      expect(worst).toBeLessThan(1e-6);
      b.forEach((v, c) => {
        const scale = site.gamma[c] / Math.sqrt(site.variance[c] + site.epsilon);
        expect(bias[c]).toBeCloseTo((v - site.mean[c]) * scale + site.beta[c], 5);
      });
    }
  });

  it('cross-layer equalization after folding leaves the outputs unchanged within 1e-4', () => {
    const model = fromLayersModel(buildCnn());
    const x = tf.tensor4d(randn(6 * 144, 10, 1, 0.5), [6, 12, 12, 1]);
    const expected = forwardModel(model, x);
    const reports = runRecipe(model, [foldBatchNorms(), equalizeCrossLayer()]);
    const actual = forwardModel(model, x);
    expect(relativeMaxDiff(expected, actual)).toBeLessThan(1e-4);
    tf.dispose([x, expected, actual]);
    expect(reports[1].targets.length).toBeGreaterThanOrEqual(1);
  });
});
