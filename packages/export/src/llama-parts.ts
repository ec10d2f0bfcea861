import type { ArrayTarget } from '@lowbit/core-tensor';
import { LINEAR_NAMES, type LinearName, type LlamaLayerWeights, type LlamaModel } from '@lowbit/models';

/** One decoder layer as the exporters see it: its norms and its linear targets by llama2.c name. */
export interface LayerParts {
  attentionNorm: Float32Array;
  ffnNorm: Float32Array;
  linears: Record<LinearName, ArrayTarget>;
}

/** The pieces of a LlamaModel an exporter writes: float arrays, and targets where quantization may apply. */
export interface LlamaParts {
  /** The token embedding's current (dequantized if quantized) values, [vocab, dim]. */
  embedding: Float32Array;
  /** The classifier target: `output`, or `tok_embeddings` when tied. */
  classifier: ArrayTarget;
  finalNorm: Float32Array;
  layers: LayerParts[];
}

function linearTargets(targets: readonly ArrayTarget[]): Record<LinearName, ArrayTarget> {
  const byName = (n: LinearName) => targets.find((t) => t.name.endsWith(`.${n}`))!;
  return Object.fromEntries(LINEAR_NAMES.map((n) => [n, byName(n)])) as Record<LinearName, ArrayTarget>;
}

export function llamaParts(model: LlamaModel): LlamaParts {
  const weights = model.weights();
  const [embedding, separateClassifier] = model.outerTargets;
  const layer = (w: LlamaLayerWeights, i: number): LayerParts => ({
    attentionNorm: w.attentionNorm,
    ffnNorm: w.ffnNorm,
    linears: linearTargets(model.blocks[i].targets),
  });
  return {
    embedding: weights.tokenEmbedding,
    classifier: separateClassifier ?? embedding,
    finalNorm: weights.finalNorm,
    layers: weights.layers.map(layer),
  };
}
