import { initBackend, runRecipe, tf } from '@lowbit/core-tensor';
import { readTextLines, sampleCalibration } from '@lowbit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALPHA_GRID, type SmoothQuantOptions } from './config';
import { smoothquant } from './smoothquant-modifier';
import {
  HAS_STORIES,
  loadStories,
  loadStoriesTokenizer,
  outputOf,
  relativeDifference,
  STORIES_PATHS,
} from './test-support/test-helpers';

describe.skipIf(!HAS_STORIES)('SmoothQuant folding on stories260K (wasm)', () => {
  let calibration: tf.Tensor[] = [];
  let evaluation: tf.Tensor;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const tokenizer = loadStoriesTokenizer();
    const train = readTextLines(STORIES_PATHS.train!);
    calibration = sampleCalibration(train, { samples: 8, seqLen: 128, seed: 0, batchSize: 4, tokenizer });
    const valid = readTextLines(STORIES_PATHS.valid!);
    [evaluation] = sampleCalibration(valid, { samples: 2, seqLen: 96, seed: 1, batchSize: 2, tokenizer });
  });
  afterAll(() => {
    tf.dispose([...calibration, evaluation]);
  });

  it.each<SmoothQuantOptions>([
    { alpha: 0.5 },
    { alpha: 'auto' },
    { alpha: 0.5, includeLinearMappings: true },
  ])('leaves the float logits unchanged within 1e-5 relative (%o)', (options) => {
    const model = loadStories();
    const reference = outputOf(model, evaluation);
    const norm = Float32Array.from(model.blocks[0].layerWeights().attentionNorm);
    const baseline = tf.memory().numTensors;
    const [report] = runRecipe(model, [smoothquant(options)], { calibration });
    expect(tf.memory().numTensors).toBe(baseline);

    const difference = relativeDifference(outputOf(model, evaluation), reference);
    console.log(
      `smoothquant ${JSON.stringify(options)}: logits differ by ${difference.toExponential(2)} relative`,
    );
    expect(difference).toBeLessThan(1e-5);
    expect(relativeDifference(model.blocks[0].layerWeights().attentionNorm, norm)).toBeGreaterThan(0.1);
    expect(report.targets.map((t) => t.target)).toEqual(model.blocks.map((b) => b.name));
    for (const t of report.targets) {
      expect(ALPHA_GRID.includes(t.alpha as number) || t.alpha === options.alpha).toBe(true);
      expect(t.maxScale).toBeGreaterThan(1);
      if (options.alpha === 'auto') expect(t.mse).toBeLessThan(t.unsmoothedMse as number);
    }
  });
});
