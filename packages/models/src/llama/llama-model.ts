import { ArrayTarget, LowbitError, type QuantModel, tf } from '@lowbit/core-tensor';
import { configProblem, headSize, type LlamaConfig } from './config';
import { LlamaBlock } from './llama-block';
import { linear, rmsNorm } from './ops';
import { ropeTables } from './rope';
import { WeightWindow } from './weight-window';
import { type LlamaWeights, weightProblem } from './weights';

/**
 * A llama-style decoder (llama2.c / HF LlamaForCausalLM) as a QuantModel: embed → decoder layers
 * (the blocks) → final RMSNorm and classifier. Weights stay in Float32Arrays; tensors are made
 * per call. Outer targets: `tok_embeddings`, and `output` when the classifier is not tied.
 */
export class LlamaModel implements QuantModel {
  readonly task = 'causal-lm' as const;
  readonly blocks: readonly LlamaBlock[];
  readonly outerTargets: readonly ArrayTarget[];
  /** The token embedding target, `tok_embeddings` [vocab, dim]. */
  readonly embedding: ArrayTarget;
  /** The classifier target: `output`, or the embedding itself when tied. */
  readonly classifier: ArrayTarget;
  /** The final RMSNorm weight (shared: do not mutate), readable without dequantizing anything. */
  readonly finalNorm: Float32Array;
  /** One block's (or the head's) dequantized weights at a time. */
  private readonly window = new WeightWindow();

  constructor(
    readonly name: string,
    readonly config: LlamaConfig,
    weights: LlamaWeights,
  ) {
    const problem = configProblem(config) ?? weightProblem(config, weights);
    if (problem) throw new LowbitError('BAD_ARGS', `Llama model "${name}": ${problem}.`);
    const { vocabSize, dim } = config;
    const rope = ropeTables(config.seqLen, headSize(config), config.ropeTheta);
    this.blocks = weights.layers.map((layer, i) => new LlamaBlock(config, i, layer, rope, this.window));
    this.embedding = new ArrayTarget('tok_embeddings', 'embedding', [vocabSize, dim], weights.tokenEmbedding);
    this.classifier = weights.classifier
      ? new ArrayTarget('output', 'linear', [vocabSize, dim], weights.classifier)
      : this.embedding;
    this.outerTargets =
      this.classifier === this.embedding ? [this.embedding] : [this.embedding, this.classifier];
    this.finalNorm = weights.finalNorm;
  }

  /** Token ids int32 [B, T] (T ≤ seqLen) → embeddings [B, T, dim]. */
  embed(batch: tf.Tensor): tf.Tensor {
    const { seqLen, vocabSize, dim } = this.config;
    const [rows, tokens] = batch.shape as number[];
    if (batch.rank !== 2 || batch.dtype !== 'int32' || tokens > seqLen || batch.size === 0) {
      throw new LowbitError(
        'BAD_TENSOR',
        `${this.name}: token batch is ${batch.dtype} [${batch.shape}]; expected int32 [batch, 1..${seqLen}].`,
      );
    }
    const ids = batch.dataSync();
    const table = this.embedding.values;
    const out = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new LowbitError(
          'BAD_TENSOR',
          `${this.name}: token id ${id} is outside the vocabulary [0, ${vocabSize}).`,
        );
      }
      out.set(table.subarray(id * dim, (id + 1) * dim), i * dim);
    });
    return tf.tensor3d(out, [rows, tokens, dim]);
  }

  /** The last block's output [B, T, dim] → logits [B, T, vocab]. */
  head(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      linear(rmsNorm(x, this.finalNorm, this.config.normEps), this.window.weight(this, this.classifier)),
    );
  }

  /**
   * The model's current weights (shared arrays, not copies), e.g. for saving. Quantized targets
   * are dequantized into new arrays: read `embedding`, `finalNorm` or a block's `norms` and
   * `linears` for just those.
   */
  weights(): LlamaWeights {
    return {
      tokenEmbedding: this.embedding.values,
      layers: this.blocks.map((block) => block.layerWeights()),
      finalNorm: this.finalNorm,
      classifier: this.classifier === this.embedding ? undefined : this.classifier.values,
    };
  }
}
