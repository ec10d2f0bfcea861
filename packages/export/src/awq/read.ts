import { join } from 'node:path';
import type { QuantizedTensor } from '@lowbit/core-tensor';
import {
  float32Of,
  HF_WEIGHTS_FILE,
  halvesRowSource,
  hfLinearName,
  int32Of,
  inverseOrder,
  LINEAR_NAMES,
  type LinearName,
  llamaTargetName,
  readSafetensors,
  type SafetensorsTensor,
} from '@lowbit/models';
import { permuteRows } from '../gptq/hf-rows';
import { badFile, float16Bits, take } from '../hf/read-entries';
import { decodeAwq } from './awq-tensors';
import { type AwqQuantConfig, readAwqConfig } from './config-files';

export interface AwqCheckpoint {
  quantConfig: AwqQuantConfig;
  /** Decoder linears by LlamaModel target name, rows in llama2.c order: unsigned 4-bit codes, integer zeros. */
  quantized: Map<string, QuantizedTensor>;
  /** The other tensors by HF name (embedding, norms, lm_head), as float32. */
  floats: Map<string, Float32Array>;
}

function readLinear(entries: Map<string, SafetensorsTensor>, base: string, groupSize: number, path: string) {
  const qweight = entries.get(`${base}.qweight`) ?? badFile(path, `tensor "${base}.qweight" is missing`);
  const [inputs, words] = qweight.shape;
  const out = 8 * words;
  if (inputs % groupSize !== 0)
    badFile(path, `"${base}.qweight" has ${inputs} inputs, not a multiple of q_group_size ${groupSize}`);
  const groups = inputs / groupSize;
  const tensors = {
    qweight: int32Of(take(entries, `${base}.qweight`, 'I32', [inputs, words], path)),
    qzeros: int32Of(take(entries, `${base}.qzeros`, 'I32', [groups, words], path)),
    scales: float16Bits(take(entries, `${base}.scales`, 'F16', [groups, out], path)),
  };
  return decodeAwq(tensors, [out, inputs], groupSize);
}

/**
 * Reads an AutoAWQ GEMM llama checkpoint folder: each decoder linear as a QuantizedTensor (scales
 * as stored in fp16), wq/wk rows returned to llama2.c's RoPE order.
 */
export function readAwqCheckpoint(dir: string): AwqCheckpoint {
  const { quantConfig, nLayers, nHeads, nKvHeads } = readAwqConfig(dir);
  const path = join(dir, HF_WEIGHTS_FILE);
  const entries = readSafetensors(path).tensors;
  const quantized = new Map<string, QuantizedTensor>();
  const heads: Partial<Record<LinearName, number>> = { wq: nHeads, wk: nKvHeads };
  for (let i = 0; i < nLayers; i++) {
    for (const n of LINEAR_NAMES) {
      let q = readLinear(entries, hfLinearName(i, n), quantConfig.q_group_size, path);
      const h = heads[n];
      if (h) q = permuteRows(q, inverseOrder(halvesRowSource(h, q.shape[0] / h)));
      quantized.set(llamaTargetName(i, n), q);
    }
  }
  const floats = new Map([...entries].map(([name, entry]) => [name, float32Of(entry, name)] as const));
  return { quantConfig, quantized, floats };
}
