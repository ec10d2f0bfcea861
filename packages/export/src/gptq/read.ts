import { join } from 'node:path';
import type { QuantizedTensor } from '@lowbit/core-tensor';
import { HF_WEIGHTS_FILE, int32Of, type SafetensorsTensor } from '@lowbit/models';
import { badFile, float16Bits, take } from '../hf/read-entries';
import { readQuantizedLlama } from '../hf/read-linears';
import { type GptqQuantizeConfig, readCheckpointConfig } from './config-files';
import { decodeGptq, GPTQ_BITS, type GptqScheme } from './gptq-tensors';

export interface GptqCheckpoint {
  quantizeConfig: GptqQuantizeConfig;
  /** Decoder linears by LlamaModel target name (layers.{i}.attention.wq …), rows in llama2.c order. */
  quantized: Map<string, QuantizedTensor>;
  /** The other tensors by HF name (embedding, norms, lm_head), as float32. */
  floats: Map<string, Float32Array>;
}

function readLinear(
  entries: Map<string, SafetensorsTensor>,
  base: string,
  scheme: GptqScheme,
  path: string,
  format: GptqQuantizeConfig['checkpoint_format'],
) {
  const { bits, groupSize } = scheme;
  const qweightEntry = entries.get(`${base}.qweight`) ?? badFile(path, `tensor "${base}.qweight" is missing`);
  const gIdxEntry = entries.get(`${base}.g_idx`) ?? badFile(path, `tensor "${base}.g_idx" is missing`);
  const out = qweightEntry.shape[1];
  const inputs = gIdxEntry.shape[0];
  const groups = groupSize === -1 ? 1 : Math.ceil(inputs / groupSize);
  const gIdx = int32Of(take(entries, `${base}.g_idx`, 'I32', [inputs], path));
  if (gIdx.some((g) => !(g >= 0 && g < groups)))
    badFile(path, `"${base}.g_idx" holds groups outside [0, ${groups})`);
  const tensors = {
    qweight: int32Of(take(entries, `${base}.qweight`, 'I32', [(inputs * bits) / 32, out], path)),
    qzeros: int32Of(take(entries, `${base}.qzeros`, 'I32', [groups, (out * bits) / 32], path)),
    scales: float16Bits(take(entries, `${base}.scales`, 'F16', [groups, out], path)),
    gIdx,
  };
  return decodeGptq(tensors, [out, inputs], scheme, format);
}

/**
 * Reads a GPTQ llama checkpoint folder (v1 'gptq' or 'gptq_v2'): each decoder linear back as the
 * QuantizedTensor it was written from (scales as stored in fp16; symmetric codes signed), wq/wk
 * rows returned to llama2.c's RoPE order.
 */
export function readGptqCheckpoint(dir: string): GptqCheckpoint {
  const { quantizeConfig, nLayers, nHeads, nKvHeads } = readCheckpointConfig(dir);
  const path = join(dir, HF_WEIGHTS_FILE);
  const { bits, group_size: groupSize, sym, checkpoint_format: format } = quantizeConfig;
  if (!GPTQ_BITS.includes(bits)) badFile(path, `bits ${bits}; GPTQ checkpoints hold 2, 3, 4 or 8 bits`);
  const { quantized, floats } = readQuantizedLlama(path, { nLayers, nHeads, nKvHeads }, (entries, base) =>
    readLinear(entries, base, { bits, groupSize, sym }, path, format),
  );
  return { quantizeConfig, quantized, floats };
}
