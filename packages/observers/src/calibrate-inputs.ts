import { type Block, tf } from '@lowbit/core-tensor';
import type { Observer } from './observer';

/**
 * Runs the block on every calibration batch and feeds each observed target's input to its
 * observer. Observers keep tensors between updates, so updates run outside the forward's tf.tidy,
 * on kept copies of one batch's inputs at a time.
 */
export function calibrateInputs(
  block: Block,
  inputs: readonly tf.Tensor[],
  observers: ReadonlyMap<string, Observer>,
): void {
  for (const x of inputs) {
    const captured: [string, tf.Tensor][] = [];
    try {
      tf.tidy(() => {
        block.forward(x, (target, input) => {
          if (observers.has(target)) captured.push([target, tf.keep(input.clone())]);
        });
      });
      for (const [target, input] of captured) observers.get(target)!.update(input);
    } finally {
      tf.dispose(captured.map(([, input]) => input));
    }
  }
}
