import type { LinearName } from '@lowbit/models';

// transformers' LlamaForCausalLM tensor names, shared by the ONNX and GPTQ exports.

export const HF_LINEAR: Record<LinearName, string> = {
  wq: 'self_attn.q_proj',
  wk: 'self_attn.k_proj',
  wv: 'self_attn.v_proj',
  wo: 'self_attn.o_proj',
  w1: 'mlp.gate_proj',
  w2: 'mlp.down_proj',
  w3: 'mlp.up_proj',
};

export const HF_EMBEDDING = 'model.embed_tokens';
export const HF_CLASSIFIER = 'lm_head';
export const HF_FINAL_NORM = 'model.norm.weight';

export function hfLayer(layer: number): string {
  return `model.layers.${layer}`;
}

export function hfLinear(layer: number, name: LinearName): string {
  return `${hfLayer(layer)}.${HF_LINEAR[name]}`;
}

const LOWBIT_MODULE: Record<LinearName, string> = {
  wq: 'attention',
  wk: 'attention',
  wv: 'attention',
  wo: 'attention',
  w1: 'feed_forward',
  w2: 'feed_forward',
  w3: 'feed_forward',
};

/** The LlamaModel target name of a layer's linear, e.g. layers.0.attention.wq. */
export function lowbitTargetName(layer: number, name: LinearName): string {
  return `layers.${layer}.${LOWBIT_MODULE[name]}.${name}`;
}
