import type { QuantizedTensor } from './quantized-tensor';
import { tf } from './tf';

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
  /** The layer's bias over its output channels, for transforms that fold into it (BN folding, CLE, bias correction). */
  readonly bias?: BiasAccess;
  /**
   * The layer's own op, without bias, on a captured input (linear [N, in] → [N, out]; conv NCHW →
   * NCHW) with `weight` in the target's layout: layer-wise reconstruction (AdaRound, bias correction).
   */
  apply?(input: tf.Tensor, weight: tf.Tensor): tf.Tensor;
  /**
   * The elementwise activation applied right after the layer's output and bias, when the model
   * knows one: layer-wise reconstruction compares post-activation outputs (AdaRound's f_a, AIMET's act_func).
   */
  readonly activation?: 'relu';
}

/** Read and write access to a layer's bias (one value per output channel). */
export interface BiasAccess {
  /** The current bias; zeros when the layer has none. */
  read(): Float32Array;
  /** Replaces the bias, adding one to a layer that had none. */
  write(values: Float32Array): void;
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

/** A parameter a block reads while it runs: a target's weight (its layout) or its bias ([out]). */
export type ParameterRole = 'weight' | 'bias';

/**
 * Maps a parameter to the tensor the block computes with instead, e.g. QAT's trainable,
 * fake-quantized variables. Called inside the forward pass, so gradients flow through the result.
 */
export type ParameterFn = (target: QuantTarget, role: ParameterRole, value: tf.Tensor) => tf.Tensor;

export interface ForwardOptions {
  /** Substitutes the weights and biases the block computes with (see ParameterFn). */
  readonly parameters?: ParameterFn;
  /** Normalization layers use batch statistics and update their running statistics (training mode). */
  readonly training?: boolean;
}

/**
 * A batch normalization y = γ·(x − mean)/√(var + ε) + β over the output channels of `target`, with
 * nothing in between, so it can be folded into the target's weight and bias.
 */
export interface BatchNormSite {
  readonly name: string;
  readonly target: string;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly epsilon: number;
  /** Turns the normalization into the identity (once its effect is folded into the target). */
  bypass(): void;
}

/** A unit the sequential pipeline processes at a time: a decoder layer, or a whole small CNN. */
export interface Block {
  readonly name: string;
  readonly targets: readonly QuantTarget[];
  /**
   * Scale-equivariant pairs. LLM blocks map norms to linears; CNN blocks map a conv/linear target
   * through ReLU / max-pool / identity to the next target (cross-layer equalization).
   */
  readonly mappings: readonly Mapping[];
  /**
   * Runs the block on x; `capture`, when given, sees (and may replace) every target's input;
   * `options` substitute parameters and switch normalization layers to training mode.
   */
  forward(x: tf.Tensor, capture?: CaptureFn, options?: ForwardOptions): tf.Tensor;
  /**
   * Optional: the forward pass as a {@link StagedForward} that pauses at target inputs, so
   * calibration computes each part of the block once (see {@link stagedForward}).
   */
  forwardInStages?(x: tf.Tensor): StagedForward;
  /** Batch normalizations that directly follow a target (absent or empty: none), in execution order. */
  readonly batchNorms?: readonly BatchNormSite[];
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

/**
 * A block's forward pass on one input that pauses where target inputs are captured. Each stage
 * computes with the block's weights as they are when it runs, so a technique can quantize the
 * targets whose inputs it just saw and then let the pass go on (GPTQ's true-sequential).
 */
export interface StagedForward {
  /**
   * Computes on from where the pass paused until every one of `targets` has shown its input to
   * `capture` (which may replace it, as in forward); other target inputs reached on the way are
   * shown too. Targets the pass already went beyond count as shown.
   */
  advance(targets: ReadonlySet<string>, capture: CaptureFn): void;
  /** Computes the rest of the pass and returns the block's output; the pass is then disposed. */
  finish(): tf.Tensor;
  /** Frees what the pass keeps between stages. */
  dispose(): void;
}

/**
 * Recomputes from the input at each step: the staged pass of a block without forwardInStages.
 * A requested target is shown once; inputs reached beyond the requested ones are shown but left
 * for a later advance to show again, computed with the weights as they are then.
 */
class RecomputedForward implements StagedForward {
  private readonly shown = new Set<string>();

  constructor(
    private readonly block: Block,
    private readonly x: tf.Tensor,
  ) {}

  advance(targets: ReadonlySet<string>, capture: CaptureFn): void {
    if ([...targets].every((t) => this.shown.has(t))) return;
    tf.tidy(() => {
      this.block.forward(this.x, (target, input) => {
        if (this.shown.has(target)) return undefined;
        if (targets.has(target)) this.shown.add(target);
        return capture(target, input);
      });
    });
  }

  finish(): tf.Tensor {
    return this.block.forward(this.x);
  }

  dispose(): void {}
}

/** The block's staged forward pass on x (x stays the caller's). */
export function stagedForward(block: Block, x: tf.Tensor): StagedForward {
  return block.forwardInStages?.(x) ?? new RecomputedForward(block, x);
}

/**
 * Shows the inputs of `targets` to `capture` for one calibration batch, computing no more of the
 * block than they need where the block runs in stages.
 */
export function captureInputs(
  block: Block,
  x: tf.Tensor,
  targets: ReadonlySet<string>,
  capture: CaptureFn,
): void {
  const pass = stagedForward(block, x);
  try {
    pass.advance(targets, capture);
  } finally {
    pass.dispose();
  }
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
