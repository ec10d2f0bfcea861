import { join } from 'node:path';
import { allTargets, LowbitError } from '@lowbit/core-tensor';
import type { GptqCheckpoint } from '@lowbit/export';
import {
  HF_CLASSIFIER,
  HF_CONFIG_FILE,
  HF_EMBEDDING,
  HF_FINAL_NORM,
  HF_WEIGHTS_FILE,
  hfNormName,
  LINEAR_NAMES,
  type LlamaConfig,
  type LlamaLayerWeights,
  LlamaModel,
  linearShape,
} from '@lowbit/models';

function numberField(json: Record<string, unknown>, key: string, path: string, fallback?: number): number {
  const value = json[key] ?? fallback;
  if (typeof value !== 'number')
    throw new LowbitError('BAD_FILE', `${path}: "${key}" is ${JSON.stringify(value)}; expected a number.`);
  return value;
}

/** The LlamaConfig of a config.json, with transformers' defaults for the optional fields. */
function llamaConfig(json: Record<string, unknown>, path: string): LlamaConfig {
  const nHeads = numberField(json, 'num_attention_heads', path);
  return {
    dim: numberField(json, 'hidden_size', path),
    hiddenDim: numberField(json, 'intermediate_size', path),
    nLayers: numberField(json, 'num_hidden_layers', path),
    nHeads,
    nKvHeads: numberField(json, 'num_key_value_heads', path, nHeads),
    vocabSize: numberField(json, 'vocab_size', path),
    seqLen: numberField(json, 'max_position_embeddings', path, 2048),
    normEps: numberField(json, 'rms_norm_eps', path, 1e-6),
    ropeTheta: numberField(json, 'rope_theta', path, 10000),
    tiedEmbeddings: json.tie_word_embeddings === true,
  };
}

/**
 * A LlamaModel from a GPTQ checkpoint: embedding, norms and lm_head from its float tensors, every
 * decoder linear set from its QuantizedTensor (the model holds the dequantized weights).
 */
export function llamaFromGptq(
  dir: string,
  json: Record<string, unknown>,
  checkpoint: GptqCheckpoint,
): LlamaModel {
  const config = llamaConfig(json, join(dir, HF_CONFIG_FILE));
  const float = (name: string) => {
    const values = checkpoint.floats.get(`${name}.weight`);
    if (values) return values;
    throw new LowbitError(
      'BAD_FILE',
      `${join(dir, HF_WEIGHTS_FILE)}: tensor "${name}.weight" is missing. Re-export the checkpoint.`,
    );
  };
  const layer = (i: number): LlamaLayerWeights => ({
    attentionNorm: float(hfNormName(i, 'attentionNorm')),
    ffnNorm: float(hfNormName(i, 'ffnNorm')),
    linears: Object.fromEntries(
      LINEAR_NAMES.map((n) => [n, new Float32Array(linearShape(config, n).reduce((a, b) => a * b))]),
    ) as LlamaLayerWeights['linears'],
  });
  const model = new LlamaModel(dir, config, {
    tokenEmbedding: float(HF_EMBEDDING),
    layers: Array.from({ length: config.nLayers }, (_, i) => layer(i)),
    finalNorm: float(HF_FINAL_NORM),
    classifier: config.tiedEmbeddings ? undefined : float(HF_CLASSIFIER),
  });
  const targets = new Map(allTargets(model).map((t) => [t.name, t]));
  for (const [name, quantized] of checkpoint.quantized) targets.get(name)?.setWeight(quantized);
  return model;
}
