import {
  type ActivationQParams,
  type Block,
  isLowbitError,
  LowbitError,
  type QuantTarget,
  scalarQParams,
  type tf,
} from '@lowbit/core-tensor';
import { calibrateInputs, createObserver, type Observer } from '@lowbit/observers';
import type { ResolvedSide } from './config';

/** Runs the calibration batches, turning an engine error (e.g. a shape mismatch) into BAD_TENSOR. */
function observeInputs(block: Block, inputs: readonly tf.Tensor[], observers: Map<string, Observer>): void {
  try {
    calibrateInputs(block, inputs, observers);
  } catch (e) {
    if (isLowbitError(e)) throw e;
    throw new LowbitError(
      'BAD_TENSOR',
      `Calibration batch [${inputs[0]?.shape}] does not run through block "${block.name}" (${(e as Error).message}); pass batches of the model's input shape.`,
    );
  }
}

/**
 * Per-tensor qparams of each target's input on the block's calibration inputs, with the weights
 * as they are now (PyTorch's convention: observers see the float model).
 */
export function calibrateActivations(
  block: Block,
  targets: readonly QuantTarget[],
  inputs: readonly tf.Tensor[],
  side: ResolvedSide,
): Record<string, ActivationQParams> {
  const observers = new Map(
    targets.map((t) => [t.name, createObserver(side.observer, { ...side.observerOptions, args: side.args })]),
  );
  try {
    observeInputs(block, inputs, observers);
    return Object.fromEntries(targets.map((t) => [t.name, scalarQParams(observers.get(t.name)!.compute())]));
  } finally {
    for (const observer of observers.values()) observer.reset();
  }
}
