import { type Block, captureInputs, type QuantModel } from './model';
import type { Modifier, ModifierReport, Recipe } from './modifier';
import type { ProgressOptions } from './progress';
import { tf } from './tf';

export interface PipelineOptions extends ProgressOptions {
  /** Calibration batches (token ids [B, T] or images); needed when a modifier observes. */
  calibration?: readonly tf.Tensor[];
}

/**
 * Runs every calibration batch through the block, as far as its last target input, showing each
 * target input to `modifier.observe`.
 */
function observeBlock(block: Block, activations: readonly tf.Tensor[], modifier: Modifier): void {
  const targets = new Set(block.targets.map((t) => t.name));
  for (const x of activations) {
    captureInputs(block, x, targets, (target, input) => {
      modifier.observe!(block, target, input);
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
 * the block's outputs, computed with its quantized weights (by the last modifier, when it returns
 * them, else by the pipeline), become the next block's inputs. Only one block's activations are
 * alive at a time.
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
      const needsOutputs = observes && blockIndex < model.blocks.length - 1;
      let outputs: readonly tf.Tensor[] | undefined;
      for (const modifier of recipe) {
        if (modifier.needsCalibration && modifier.observe) observeBlock(block, activations, modifier);
        tf.dispose(outputs as tf.Tensor[] | undefined); // a later modifier may have changed the weights
        outputs =
          modifier.applyBlock(block, { model, blockIndex, inputs: activations, needsOutputs, onProgress }) ??
          undefined;
      }
      if (needsOutputs && outputs) {
        tf.dispose(activations);
        activations = outputs.slice();
      } else {
        tf.dispose(outputs as tf.Tensor[] | undefined);
        if (needsOutputs) activations = mapBatches(activations, (x) => block.forward(x));
      }
      onProgress?.({ stage: 'blocks', done: blockIndex + 1, total: model.blocks.length, note: block.name });
    });
  } finally {
    tf.dispose(activations); // also when a modifier throws
  }
  return recipe.map((modifier) => modifier.finalize(model));
}
