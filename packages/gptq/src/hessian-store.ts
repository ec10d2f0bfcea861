import { LowbitError, tf } from '@lowbit/core-tensor';
import { accumulateHessian, createHessian, type HessianState } from './gptq-math';

function assertFiniteInput(block: string, target: string, input: tf.Tensor): void {
  const nonFinite = tf.tidy(() => input.size - tf.sum(tf.cast(tf.isFinite(input), 'int32')).dataSync()[0]);
  if (nonFinite > 0) {
    throw new LowbitError(
      'BAD_TENSOR',
      `Block "${block}", layer "${target}": its calibration input has ${nonFinite} NaN or Inf value(s); ` +
        'check the calibration batches and the layers before it (an overflow upstream?).',
      { block, target, nonFinite },
    );
  }
}

/**
 * The Hessians of a group of targets, accumulated from captured inputs. Targets fed the same
 * input tensor (q/k/v, gate/up) share one Hessian, accumulated once.
 */
export class HessianStore {
  private readonly byTarget = new Map<string, HessianState>();
  /** The id of the input tensor each Hessian took last. */
  private readonly lastInput = new Map<HessianState, number>();

  /** Adds a captured input [..., in] of `target`; throws BAD_TENSOR naming block and layer on NaN/Inf. */
  add(block: string, target: string, input: tf.Tensor): void {
    let state = this.byTarget.get(target);
    if (!state) {
      state = this.sharingInput(input) ?? createHessian(input.shape[input.rank - 1]);
      this.byTarget.set(target, state);
    }
    if (this.lastInput.get(state) === input.id) return;
    assertFiniteInput(block, target, input);
    const columns = state.h.shape[0];
    tf.tidy(() => accumulateHessian(state, tf.reshape(input, [-1, columns])));
    this.lastInput.set(state, input.id);
  }

  /** The Hessian of `target`; NOT_READY when no calibration input reached it. */
  get(block: string, target: string): tf.Variable<tf.Rank.R2> {
    const state = this.byTarget.get(target);
    if (!state) {
      throw new LowbitError(
        'NOT_READY',
        `GPTQ saw no calibration input for layer "${target}" of block "${block}"; pass calibration batches to runRecipe (options.calibration, e.g. from sampleCalibration).`,
      );
    }
    return state.h;
  }

  /** Disposes every Hessian. */
  clear(): void {
    for (const state of new Set(this.byTarget.values())) state.h.dispose();
    this.byTarget.clear();
    this.lastInput.clear();
  }

  private sharingInput(input: tf.Tensor): HessianState | undefined {
    for (const [state, id] of this.lastInput) if (id === input.id) return state;
    return undefined;
  }
}
