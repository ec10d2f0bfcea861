import type { QuantizedTensor } from '@lowbit/core-tensor';
import {
  float32Of,
  halvesRowSource,
  hfLinearName,
  inverseOrder,
  LINEAR_NAMES,
  type LinearName,
  llamaTargetName,
  readSafetensors,
  type SafetensorsTensor,
} from '@lowbit/models';
import { permuteRows } from '../gptq/hf-rows';

export interface LlamaLayout {
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
}

/**
 * Reads a quantized HF llama safetensors file: every decoder linear through `readLinear` (given the
 * entries and its HF base name), wq/wk rows returned to llama2.c's RoPE order, keyed by lowbit target
 * name; the remaining tensors as float32 by HF name.
 */
export function readQuantizedLlama(
  path: string,
  layout: LlamaLayout,
  readLinear: (entries: Map<string, SafetensorsTensor>, base: string) => QuantizedTensor,
) {
  const entries = readSafetensors(path).tensors;
  const quantized = new Map<string, QuantizedTensor>();
  const heads: Partial<Record<LinearName, number>> = { wq: layout.nHeads, wk: layout.nKvHeads };
  for (let i = 0; i < layout.nLayers; i++) {
    for (const n of LINEAR_NAMES) {
      let q = readLinear(entries, hfLinearName(i, n));
      const h = heads[n];
      if (h) q = permuteRows(q, inverseOrder(halvesRowSource(h, q.shape[0] / h)));
      quantized.set(llamaTargetName(i, n), q);
    }
  }
  const floats = new Map([...entries].map(([name, entry]) => [name, float32Of(entry, name)] as const));
  return { quantized, floats };
}
