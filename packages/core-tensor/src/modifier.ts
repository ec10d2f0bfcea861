import type { Block, QuantModel } from './model';
import type { ProgressCallback } from './progress';
import type { tf } from './tf';

/** Per-target outcome a modifier reports (extra numeric fields are technique-specific). */
export interface TargetReport {
  target: string;
  /** ‖W − Ŵ‖_F / ‖W‖_F after this modifier. */
  relativeError?: number;
  seconds: number;
  [metric: string]: number | string | undefined;
}

export interface ModifierReport {
  modifier: string;
  config: Record<string, unknown>;
  targets: TargetReport[];
  seconds: number;
}

export interface ModifierContext {
  model: QuantModel;
  blockIndex: number;
  /** The block's calibration inputs, one per batch (empty when no modifier needs calibration). */
  inputs: readonly tf.Tensor[];
  /** Whether the pipeline will feed this block's outputs to a next block (absent: no). */
  needsOutputs?: boolean;
  onProgress?: ProgressCallback;
}

/**
 * One technique with a lifecycle, as llm-compressor's modifiers: initialize → (per block) observe
 * every calibration batch → applyBlock → finalize. `observe` runs inside tf.tidy: keep state in
 * typed arrays or tf.keep() it.
 */
export interface Modifier {
  readonly name: string;
  /** Whether the pipeline must run calibration batches through each block for `observe`. */
  readonly needsCalibration: boolean;
  initialize?(model: QuantModel): void;
  observe?(block: Block, target: string, input: tf.Tensor): void;
  /**
   * Acts on the block. May return the block's outputs for `context.inputs`, computed with the
   * weights it leaves (the caller then owns them): the pipeline uses them as the next block's
   * inputs instead of running the block again, when no later modifier acts on the block.
   */
  applyBlock(block: Block, context: ModifierContext): readonly tf.Tensor[] | undefined | void;
  /** Handles targets outside the blocks if configured, releases state and reports. */
  finalize(model: QuantModel): ModifierReport;
}

/** An ordered list of modifiers applied block by block, e.g. [smoothquant(...), rtn(...)]. */
export type Recipe = readonly Modifier[];
