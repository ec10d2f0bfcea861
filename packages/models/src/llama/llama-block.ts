import { ArrayTarget, type Block, type CaptureFn, LowbitError, type Mapping, tf } from '@lowbit/core-tensor';
import { causalAttention } from './attention';
import { headSize, type LlamaConfig } from './config';
import { linearMapping, normMapping } from './mappings';
import { linear, rmsNorm, silu } from './ops';
import { applyRope, type RopeTables } from './rope';
import {
  LINEAR_NAMES,
  type LinearName,
  type LlamaLayerWeights,
  linearShape,
  llamaTargetName,
} from './weights';

/**
 * One llama decoder layer: x + attention(RMSNorm(x)), then + SwiGLU(RMSNorm(·)). Its linears are
 * ArrayTargets (`layers.{i}.attention.wq|wk|wv|wo`, `layers.{i}.feed_forward.w1|w2|w3`, [out, in]).
 */
export class LlamaBlock implements Block {
  readonly name: string;
  readonly targets: readonly ArrayTarget[];
  readonly mappings: readonly Mapping[];
  /** Execution order for true-sequential techniques: q/k/v, then o, then gate/up, then down. */
  readonly sequentialGroups: readonly (readonly string[])[];
  /** The linears' targets by llama2.c name (also in `targets`, in LINEAR_NAMES order). */
  readonly linears: Readonly<Record<LinearName, ArrayTarget>>;
  /**
   * The RMSNorm weights (shared arrays: do not mutate), readable without dequantizing anything.
   * Only the norms: the linears' arrays belong to their targets, which drop them once quantized.
   */
  readonly norms: Readonly<Pick<LlamaLayerWeights, 'attentionNorm' | 'ffnNorm'>>;

  constructor(
    private readonly config: LlamaConfig,
    readonly index: number,
    weights: LlamaLayerWeights,
    private readonly rope: RopeTables,
  ) {
    this.name = `layers.${index}`;
    this.norms = { attentionNorm: weights.attentionNorm, ffnNorm: weights.ffnNorm };
    this.linears = Object.fromEntries(
      LINEAR_NAMES.map((n) => [
        n,
        new ArrayTarget(llamaTargetName(index, n), 'linear', linearShape(config, n), weights.linears[n]),
      ]),
    ) as Record<LinearName, ArrayTarget>;
    this.targets = LINEAR_NAMES.map((n) => this.linears[n]);
    this.mappings = this.buildMappings();
    const { wq, wk, wv, wo, w1, w2, w3 } = this.linears;
    this.sequentialGroups = [[wq.name, wk.name, wv.name], [wo.name], [w1.name, w3.name], [w2.name]];
  }

  /**
   * attention_norm → wq, wk, wv; wv → wo; ffn_norm → w1, w3; w3 → w2. wv → wo exists only without
   * grouped-query attention: with kv_dim < dim a value channel feeds several wo input channels
   * (one per query head of its group), so one scale per wv row cannot be undone by wo's columns.
   */
  private buildMappings(): Mapping[] {
    const { wq, wk, wv, wo, w1, w2, w3 } = this.linears;
    const mappings = [
      normMapping(`${this.name}.attention_norm`, this.norms.attentionNorm, [wq.name, wk.name, wv.name]),
    ];
    if (this.config.nKvHeads === this.config.nHeads) mappings.push(linearMapping(wv, [wo.name]));
    mappings.push(normMapping(`${this.name}.ffn_norm`, this.norms.ffnNorm, [w1.name, w3.name]));
    mappings.push(linearMapping(w3, [w2.name]));
    return mappings;
  }

  /** The layer's current weights (shared arrays; quantized linears as dequantized copies). */
  layerWeights(): LlamaLayerWeights {
    const linears = Object.fromEntries(LINEAR_NAMES.map((n) => [n, this.linears[n].values]));
    return { ...this.norms, linears: linears as Record<LinearName, Float32Array> };
  }

  forward(x: tf.Tensor, capture?: CaptureFn): tf.Tensor {
    this.assertInput(x);
    return tf.tidy(() => {
      const afterAttention = tf.add(x, this.attention(x, capture));
      return tf.add(afterAttention, this.feedForward(afterAttention, capture));
    });
  }

  private assertInput(x: tf.Tensor): void {
    const { dim, seqLen } = this.config;
    const [, tokens, channels] = x.shape as number[];
    if (x.rank !== 3 || channels !== dim || tokens > seqLen) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${this.name}: input is [${x.shape}]; expected [batch, tokens ≤ ${seqLen}, ${dim}] (the output of embed).`,
      );
    }
  }

  /** Runs linear `name` on `input`, which `capture` sees first and may replace. */
  private apply(name: LinearName, input: tf.Tensor, capture?: CaptureFn): tf.Tensor {
    const target = this.linears[name];
    return linear(capture?.(target.name, input) ?? input, target.weight());
  }

  private attention(x: tf.Tensor, capture?: CaptureFn): tf.Tensor {
    const { nHeads, nKvHeads, normEps } = this.config;
    const [b, t] = x.shape;
    const size = headSize(this.config);
    const normed = rmsNorm(x, this.norms.attentionNorm, normEps);
    const q = applyRope(tf.reshape(this.apply('wq', normed, capture), [b, t, nHeads, size]), this.rope);
    const k = applyRope(tf.reshape(this.apply('wk', normed, capture), [b, t, nKvHeads, size]), this.rope);
    const v = tf.reshape(this.apply('wv', normed, capture), [b, t, nKvHeads, size]);
    return this.apply('wo', causalAttention(q, k, v), capture);
  }

  private feedForward(x: tf.Tensor, capture?: CaptureFn): tf.Tensor {
    const normed = rmsNorm(x, this.norms.ffnNorm, this.config.normEps);
    const gate = silu(this.apply('w1', normed, capture));
    const up = this.apply('w3', normed, capture);
    return this.apply('w2', tf.mul(gate, up), capture);
  }
}
