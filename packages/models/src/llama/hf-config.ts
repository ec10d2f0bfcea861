import { LowbitError } from '@lowbit/core-tensor';
import { configProblem, headSize, type LlamaConfig } from './config';

// Defaults of transformers' LlamaConfig for the optional fields.
const HF_DEFAULTS = {
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
};

function bad(path: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `${path}: ${problem}. lowbit loads LlamaForCausalLM configs (see saveHfLlama).`,
  );
}

function numberField(json: Record<string, unknown>, field: string, path: string, fallback?: number): number {
  const value = json[field] ?? fallback;
  if (typeof value !== 'number') throw bad(path, `"${field}" is ${JSON.stringify(value)}; expected a number`);
  return value;
}

/** Rejects llama variants this decoder does not implement. */
function assertPlainLlama(json: Record<string, unknown>, path: string): void {
  if (json.model_type !== undefined && json.model_type !== 'llama')
    throw bad(path, `model_type is "${json.model_type}", not "llama"`);
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu')
    throw bad(path, `hidden_act "${json.hidden_act}" is not silu`);
  if (json.rope_scaling !== undefined && json.rope_scaling !== null)
    throw bad(path, 'rope_scaling is not supported');
  if (json.attention_bias === true || json.mlp_bias === true)
    throw bad(path, 'attention or MLP biases are not supported');
}

/** The LlamaConfig of an HF config.json object. */
export function configFromHf(json: unknown, path: string): LlamaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(path, 'not a JSON object');
  const fields = json as Record<string, unknown>;
  assertPlainLlama(fields, path);
  const nHeads = numberField(fields, 'num_attention_heads', path);
  const tied = fields.tie_word_embeddings ?? HF_DEFAULTS.tie_word_embeddings;
  if (typeof tied !== 'boolean')
    throw bad(path, `"tie_word_embeddings" is ${JSON.stringify(tied)}; expected a boolean`);
  const config: LlamaConfig = {
    dim: numberField(fields, 'hidden_size', path),
    hiddenDim: numberField(fields, 'intermediate_size', path),
    nLayers: numberField(fields, 'num_hidden_layers', path),
    nHeads,
    nKvHeads: numberField(fields, 'num_key_value_heads', path, nHeads),
    vocabSize: numberField(fields, 'vocab_size', path),
    seqLen: numberField(fields, 'max_position_embeddings', path, HF_DEFAULTS.max_position_embeddings),
    normEps: numberField(fields, 'rms_norm_eps', path, HF_DEFAULTS.rms_norm_eps),
    ropeTheta: numberField(fields, 'rope_theta', path, HF_DEFAULTS.rope_theta),
    tiedEmbeddings: tied,
  };
  const problem = configProblem(config);
  if (problem) throw bad(path, problem);
  if (fields.head_dim !== undefined && fields.head_dim !== headSize(config)) {
    throw bad(
      path,
      `head_dim ${fields.head_dim} differs from hidden_size / num_attention_heads = ${headSize(config)}`,
    );
  }
  return config;
}

export interface HfConfigJsonOptions {
  /** Default 'float32'. */
  torchDtype?: 'float16' | 'float32';
  /** Written as `quantization_config` (e.g. GPTQ's quantize_config.json). */
  quantizationConfig?: object;
}

/** config.json contents for a LlamaForCausalLM with this config. */
export function hfConfigJson(
  config: LlamaConfig,
  options: HfConfigJsonOptions = {},
): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: config.dim,
    intermediate_size: config.hiddenDim,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.seqLen,
    rms_norm_eps: config.normEps,
    rope_theta: config.ropeTheta,
    tie_word_embeddings: config.tiedEmbeddings,
    hidden_act: 'silu',
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: options.torchDtype ?? 'float32',
    ...(options.quantizationConfig && { quantization_config: options.quantizationConfig }),
  };
}
