import type { Block, QuantModel } from './model';
import type { Modifier, ModifierReport, Recipe } from './modifier';
import type { ProgressOptions } from './progress';
import { tf } from './tf';

export interface PipelineOptions extends ProgressOptions {
  /** Calibration batches (token ids [B, T] or images); needed when a modifier observes. */
  calibration?: readonly tf.Tensor[];
}

/** Runs every calibration batch through the block, showing each target input to `modifier.observe`. */
function observeBlock(block: Block, activations: readonly tf.Tensor[], modifier: Modifier): void {
  for (const x of activations) {
    tf.tidy(() => {
      block.forward(x, (target, input) => {
        modifier.observe!(block, target, input);
      });
    });
  }
}

function mapBatches(batches: tf.Tensor[], f: (x: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const out = batches.map((x) => tf.tidy(() => f(x)));
  tf.dispose(batches);
  return out;
}

/**
 * The sequential pipeline: for each block, every modifier of the recipe observes the block's
 * calibration inputs (captured with the weights as modified so far) and then acts on the block;
 * the block's outputs, computed with its quantized weights, become the next block's inputs.
 * Only one block's activations are alive at a time.
 */
export function runRecipe(
  model: QuantModel,
  recipe: Recipe,
  options: PipelineOptions = {},
): ModifierReport[] {
  const { calibration = [], onProgress } = options;
  const observes = recipe.some((m) => m.needsCalibration);
  for (const modifier of recipe) modifier.initialize?.(model);
  let activations = observes ? calibration.map((batch) => tf.tidy(() => model.embed(batch))) : [];
  try {
    model.blocks.forEach((block, blockIndex) => {
      for (const modifier of recipe) {
        if (modifier.needsCalibration && modifier.observe) observeBlock(block, activations, modifier);
        modifier.applyBlock(block, { model, blockIndex, inputs: activations, onProgress });
      }
      if (observes && blockIndex < model.blocks.length - 1)
        activations = mapBatches(activations, (x) => block.forward(x));
      onProgress?.({ stage: 'blocks', done: blockIndex + 1, total: model.blocks.length, note: block.name });
    });
  } finally {
    tf.dispose(activations); // also when a modifier throws
  }
  return recipe.map((modifier) => modifier.finalize(model));
}
