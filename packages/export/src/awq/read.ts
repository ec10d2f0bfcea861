import { join } from 'node:path';
import type { QuantizedTensor } from '@lowbit/core-tensor';
import { HF_WEIGHTS_FILE, int32Of, type SafetensorsTensor } from '@lowbit/models';
import { badFile, float16Bits, take } from '../hf/read-entries';
import { readQuantizedLlama } from '../hf/read-linears';
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
  const { quantized, floats } = readQuantizedLlama(path, { nLayers, nHeads, nKvHeads }, (entries, base) =>
    readLinear(entries, base, quantConfig.q_group_size, path),
  );
  return { quantConfig, quantized, floats };
}
