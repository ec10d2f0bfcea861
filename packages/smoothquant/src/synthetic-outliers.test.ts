import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivationQuantizer } from '@lowbit/core-tensor';
import {
  forwardModel,
  initBackend,
  type Modifier,
  mulberry32,
  runRecipe,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import { type LlamaModel, loadLlama2c, writeSyntheticLlama2c } from '@lowbit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smoothquant } from './smoothquant-modifier';
import { w8a8Dynamic } from './w8a8-dynamic';
import { w8a8Static } from './w8a8-static';

/** Norm channels scaled ×30: the activation outliers of large LLMs, injected. */
const OUTLIER_CHANNELS = [3, 17, 42];
const OUTLIER_FACTOR = 30;

/** Random token ids [rows, tokens] below 512. */
function tokens(seed: number, rows: number, count: number): tf.Tensor2D {
  const random = mulberry32(seed);
  const ids = Int32Array.from({ length: rows * count }, () => Math.floor(random() * 512));
  return tf.tensor2d(ids, [rows, count], 'int32');
}

describe('a random llama with injected activation outliers (wasm)', () => {
  let dir: string;
  let evaluation: tf.Tensor2D;
  let reference: tf.Tensor;

  /** A fresh copy of the synthetic model with the outlier channels in both norms of every layer. */
  function load(): LlamaModel {
    const model = loadLlama2c(join(dir, 'synthetic.bin'));
    for (const block of model.blocks) {
      const { attentionNorm, ffnNorm } = block.layerWeights();
      for (const j of OUTLIER_CHANNELS) {
        attentionNorm[j] *= OUTLIER_FACTOR;
        ffnNorm[j] *= OUTLIER_FACTOR;
      }
    }
    return model;
  }

  /** ‖logits − FP32 logits‖² / ‖FP32 logits‖² on held-out tokens after the recipe. */
  function logitsError(recipe: Modifier[]): number {
    const model = load();
    const calibration = [tokens(1, 4, 64), tokens(2, 4, 64)];
    runRecipe(model, recipe, { calibration });
    tf.dispose(calibration);
    const simulated = withActivationQuantization(
      model,
      (recipe[recipe.length - 1] as ActivationQuantizer).plan(),
    );
    return tf.tidy(() => {
      const error = tf.sum(tf.squaredDifference(forwardModel(simulated, evaluation), reference));
      return tf.div(error, tf.sum(tf.square(reference))).dataSync()[0];
    });
  }

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = mkdtempSync(join(tmpdir(), 'lowbit-smoothquant-'));
    const shape = { layers: 2, dim: 64, hidden: 172, heads: 8, kvHeads: 4, vocab: 512, seqLen: 128 };
    writeSyntheticLlama2c(join(dir, 'synthetic.bin'), { seed: 7, ...shape });
    evaluation = tokens(99, 4, 64);
    reference = forwardModel(load(), evaluation);
  });
  afterAll(() => {
    tf.dispose([evaluation, reference]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SmoothQuant (α = 0.5 and auto) beats naive W8A8 static on the logits', () => {
    const naive = logitsError([w8a8Static()]);
    const fixed = logitsError([smoothquant({ alpha: 0.5 }), w8a8Static()]);
    const auto = logitsError([smoothquant({ alpha: 'auto' }), w8a8Static()]);
    const dynamic = logitsError([w8a8Dynamic()]);
    console.log(
      `synthetic outliers, relative logits MSE: naive static ${naive.toExponential(2)}, SmoothQuant 0.5 ${fixed.toExponential(2)}, auto ${auto.toExponential(2)}, dynamic ${dynamic.toExponential(2)}`,
    );
    expect(fixed).toBeLessThan(0.8 * naive);
    expect(auto).toBeLessThan(0.8 * naive);
  });
});
