import type { CaptureFn, StagedForward, tf as TF } from '@lowbit/core-tensor';
import { tf } from '@lowbit/core-tensor';
import { silu } from './ops';
import type { LinearName } from './weights';

/** What a decoder layer's pass computes with: its norms, attention and linears (current weights). */
export interface LayerStageOps {
  /** Target names by llama2.c name. */
  names: Record<LinearName, string>;
  attentionNorm(x: TF.Tensor): TF.Tensor;
  /** Attention from the (captured) inputs of wq, wk and wv → the input of wo. */
  attention(inputs: Record<'wq' | 'wk' | 'wv', TF.Tensor>): TF.Tensor;
  ffnNorm(x: TF.Tensor): TF.Tensor;
  linear(name: LinearName, input: TF.Tensor): TF.Tensor;
}

/** The linears each stage ends at, in execution order: the pass pauses after showing their inputs. */
const STAGES: readonly (readonly LinearName[])[] = [['wq', 'wk', 'wv'], ['wo'], ['w1', 'w3'], ['w2']];

interface PassState {
  /** The residual stream: the layer input, then x + attention. */
  residual: TF.Tensor;
  /** The (captured, possibly replaced) inputs of the linears the next stage applies. */
  inputs: Partial<Record<LinearName, TF.Tensor>>;
}

/**
 * One decoder layer's forward pass in stages: x → [q, k, v inputs] → [o input] → [gate, up inputs]
 * → [down input] → output. Each stage applies the linears whose inputs the previous one showed,
 * with their weights as they are then, so each part of the layer is computed once even when a
 * technique quantizes between stages.
 */
export class LlamaLayerPass implements StagedForward {
  private stage = 0;
  private state: PassState;
  private readonly passed = new Set<string>();

  constructor(
    private readonly ops: LayerStageOps,
    private readonly x: TF.Tensor,
  ) {
    this.state = { residual: x, inputs: {} };
  }

  advance(targets: ReadonlySet<string>, capture: CaptureFn): void {
    while (this.stage < STAGES.length && [...targets].some((t) => !this.passed.has(t))) this.step(capture);
  }

  finish(): TF.Tensor {
    try {
      while (this.stage < STAGES.length) this.step(() => undefined);
      const { residual, inputs } = this.state;
      return tf.tidy(() => tf.add(residual, this.ops.linear('w2', inputs.w2!)));
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    const { residual, inputs } = this.state;
    tf.dispose(Object.values(inputs));
    if (residual !== this.x) residual.dispose();
    this.state = { residual: this.x, inputs: {} };
    this.stage = STAGES.length;
  }

  /** Computes the inputs of the next stage's linears and shows them to `capture`. */
  private step(capture: CaptureFn): void {
    const stage = this.stage;
    const next = tf.tidy(() => {
      const { residual, inputs } = this.state;
      const [input, nextResidual] = this.compute(stage, residual, inputs);
      const shown = STAGES[stage].map((name) => [name, capture(this.ops.names[name], input) ?? input]);
      return { residual: nextResidual, inputs: Object.fromEntries(shown) };
    });
    const old = this.state;
    this.state = next;
    tf.dispose(Object.values(old.inputs));
    if (old.residual !== this.x && old.residual !== next.residual) old.residual.dispose();
    for (const name of STAGES[stage]) this.passed.add(this.ops.names[name]);
    this.stage++;
  }

  /** The common input of stage `stage`'s linears, and the residual stream after it. */
  private compute(
    stage: number,
    residual: TF.Tensor,
    inputs: Partial<Record<LinearName, TF.Tensor>>,
  ): [TF.Tensor, TF.Tensor] {
    const { ops } = this;
    switch (stage) {
      case 0:
        return [ops.attentionNorm(residual), residual];
      case 1:
        return [ops.attention({ wq: inputs.wq!, wk: inputs.wk!, wv: inputs.wv! }), residual];
      case 2: {
        const afterAttention = tf.add(residual, ops.linear('wo', inputs.wo!));
        return [ops.ffnNorm(afterAttention), afterAttention];
      }
      default:
        return [tf.mul(silu(ops.linear('w1', inputs.w1!)), ops.linear('w3', inputs.w3!)), residual];
    }
  }
}
