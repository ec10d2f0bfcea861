import type { QuantizedTensor } from './quantized-tensor';
import type { tf } from './tf';

export type TargetKind = 'linear' | 'conv2d' | 'depthwise' | 'embedding';

/**
 * A quantizable weight of a model. Layouts: linear [out, in]; conv2d [out, in, kh, kw];
 * depthwise [channels, 1, kh, kw]; embedding [vocab, dim]. Per-channel quantization is axis 0.
 */
export interface QuantTarget {
  readonly name: string;
  readonly kind: TargetKind;
  readonly shape: readonly number[];
  /** The weight the model computes with now (dequantized once quantized), as a new tensor. */
  weight(): tf.Tensor;
  /**
   * Replaces the weight with float values, or with a QuantizedTensor that is kept for export. Any
   * shape with the target's element count is accepted and read in row-major order of `shape`, so
   * techniques may quantize a conv weight as its 2-D [out, in·kh·kw] view.
   */
  setWeight(weight: tf.Tensor | QuantizedTensor): void;
  /** The QuantizedTensor last set, if any. */
  readonly quantized: QuantizedTensor | undefined;
}

/**
 * A norm or linear layer (`smooth`) whose output feeds the `balance` targets. AWQ and SmoothQuant
 * divide its output channels by s and multiply the targets' input channels by s, leaving the float
 * model unchanged.
 */
export interface Mapping {
  readonly smooth: string;
  readonly balance: readonly string[];
  /** Folds 1/s into the smoothing layer so that its output channel j is divided by s[j]. */
  divideOutput(s: Float32Array): void;
}

/**
 * Receives the input of a target during a forward pass (linear: [..., in]; conv: NCHW). Returning a
 * tensor of the same shape replaces the input (e.g. fake-quantized activations); returning nothing
 * only observes.
 */
export type CaptureFn = (target: string, input: tf.Tensor) => tf.Tensor | undefined | void;

/** A unit the sequential pipeline processes at a time: a decoder layer, or a whole small CNN. */
export interface Block {
  readonly name: string;
  readonly targets: readonly QuantTarget[];
  readonly mappings: readonly Mapping[];
  /** Runs the block on x; `capture`, when given, sees (and may replace) every target's input. */
  forward(x: tf.Tensor, capture?: CaptureFn): tf.Tensor;
  /**
   * Target names grouped in execution order, for techniques that quantize a block group by group
   * and re-capture the next group's inputs (GPTQ's true-sequential), e.g. [[q, k, v], [o], [gate, up], [down]].
   * Absent: all targets form one group.
   */
  readonly sequentialGroups?: readonly (readonly string[])[];
}

/** What every technique sees of a model. */
export interface QuantModel {
  readonly name: string;
  readonly task: 'causal-lm' | 'classifier';
  readonly blocks: readonly Block[];
  /** Targets outside the blocks (token embedding, classifier): quantized only on request. */
  readonly outerTargets: readonly QuantTarget[];
  /** A calibration or evaluation batch (token ids [B, T] or images) → the first block's input. */
  embed(batch: tf.Tensor): tf.Tensor;
  /** The last block's output → logits. */
  head(x: tf.Tensor): tf.Tensor;
}

export function allTargets(model: QuantModel): QuantTarget[] {
  return [...model.blocks.flatMap((b) => b.targets), ...model.outerTargets];
}

/** The full forward pass: head(blocks(embed(batch))). Intermediate tensors are released. */
export function forwardModel(model: QuantModel, batch: tf.Tensor): tf.Tensor {
  let x = model.embed(batch);
  for (const block of model.blocks) {
    const next = block.forward(x);
    x.dispose();
    x = next;
  }
  const logits = model.head(x);
  x.dispose();
  return logits;
}
