import type { LinearName, LlamaLayerWeights } from './weights';

// transformers' LlamaForCausalLM names: the files of a model folder and the modules of its tensors
// (a tensor is `<module>.weight`).

export const HF_CONFIG_FILE = 'config.json';
export const HF_WEIGHTS_FILE = 'model.safetensors';

export const HF_EMBEDDING = 'model.embed_tokens';
export const HF_FINAL_NORM = 'model.norm';
export const HF_CLASSIFIER = 'lm_head';

/** Each decoder linear's module within its layer. */
export const HF_LINEAR_NAMES: Readonly<Record<LinearName, string>> = {
  wq: 'self_attn.q_proj',
  wk: 'self_attn.k_proj',
  wv: 'self_attn.v_proj',
  wo: 'self_attn.o_proj',
  w1: 'mlp.gate_proj',
  w2: 'mlp.down_proj',
  w3: 'mlp.up_proj',
};

export type LayerNormName = keyof Pick<LlamaLayerWeights, 'attentionNorm' | 'ffnNorm'>;

/** Each decoder norm's module within its layer. */
export const HF_NORM_NAMES: Readonly<Record<LayerNormName, string>> = {
  attentionNorm: 'input_layernorm',
  ffnNorm: 'post_attention_layernorm',
};

/** The module of decoder layer `layer`, e.g. model.layers.0. */
export function hfLayerName(layer: number): string {
  return `model.layers.${layer}`;
}

/** The module of a layer's linear, e.g. model.layers.0.self_attn.q_proj. */
export function hfLinearName(layer: number, name: LinearName): string {
  return `${hfLayerName(layer)}.${HF_LINEAR_NAMES[name]}`;
}

/** The module of a layer's norm, e.g. model.layers.0.input_layernorm. */
export function hfNormName(layer: number, norm: LayerNormName): string {
  return `${hfLayerName(layer)}.${HF_NORM_NAMES[norm]}`;
}
