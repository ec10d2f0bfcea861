import {
  ArrayTarget,
  type Block,
  type CaptureFn,
  LowbitError,
  type Mapping,
  type StagedForward,
  tf,
} from '@lowbit/core-tensor';
import { causalAttention } from './attention';
import { headSize, type LlamaConfig } from './config';
import { type LayerStageOps, LlamaLayerPass } from './layer-pass';
import { linearMapping, normMapping } from './mappings';
import { linear, rmsNorm } from './ops';
import { applyRope, type RopeTables } from './rope';
import type { WeightWindow } from './weight-window';
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
    private readonly window: WeightWindow,
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
    const pass = this.forwardInStages(x);
    if (capture) pass.advance(new Set(this.targets.map((t) => t.name)), capture);
    return pass.finish();
  }

  /** The layer's pass, pausing at the inputs of each sequential group (q/k/v, o, gate/up, down). */
  forwardInStages(x: tf.Tensor): StagedForward {
    this.assertInput(x);
    return new LlamaLayerPass(this.stageOps(), x);
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

  private stageOps(): LayerStageOps {
    const { nHeads, nKvHeads, normEps } = this.config;
    const size = headSize(this.config);
    const run = (name: LinearName, input: tf.Tensor) =>
      linear(input, this.window.weight(this, this.linears[name]));
    return {
      names: Object.fromEntries(LINEAR_NAMES.map((n) => [n, this.linears[n].name])) as Record<
        LinearName,
        string
      >,
      attentionNorm: (x) => rmsNorm(x, this.norms.attentionNorm, normEps),
      attention: (inputs) => {
        const [b, t] = inputs.wq.shape;
        const heads = (name: 'wq' | 'wk' | 'wv', count: number) =>
          tf.reshape(run(name, inputs[name]), [b, t, count, size]);
        const q = applyRope(heads('wq', nHeads), this.rope);
        const k = applyRope(heads('wk', nKvHeads), this.rope);
        return causalAttention(q, k, heads('wv', nKvHeads));
      },
      ffnNorm: (x) => rmsNorm(x, this.norms.ffnNorm, normEps),
      linear: run,
    };
  }
}
