import { join } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import { HF_CONFIG_FILE, HF_WEIGHTS_FILE } from '@lowbit/models';
import { field, readJson } from '../hf/read-entries';
import type { GptqFormat } from './gptq-tensors';

export const QUANTIZE_CONFIG_FILE = 'quantize_config.json';

/** quantize_config.json, also embedded in config.json as `quantization_config`. */
export interface GptqQuantizeConfig {
  quant_method: 'gptq';
  bits: number;
  /** −1: one group per output channel. */
  group_size: number;
  /** Act-order: columns were quantized by decreasing Hessian diagonal; g_idx is then not ⌊k / group_size⌋. */
  desc_act: boolean;
  sym: boolean;
  static_groups: boolean;
  true_sequential: boolean;
  checkpoint_format: GptqFormat;
}

/** What the reader needs from a checkpoint folder's two JSON files. */
export interface GptqCheckpointConfig {
  quantizeConfig: GptqQuantizeConfig;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
}

export function readCheckpointConfig(dir: string): GptqCheckpointConfig {
  const configPath = join(dir, HF_CONFIG_FILE);
  const quantizePath = join(dir, QUANTIZE_CONFIG_FILE);
  const contents = `a GPTQ checkpoint folder holds ${HF_CONFIG_FILE}, ${QUANTIZE_CONFIG_FILE} and ${HF_WEIGHTS_FILE}`;
  const config = readJson(configPath, contents);
  const q = readJson(quantizePath, contents);
  const format = q.checkpoint_format ?? 'gptq';
  if (format !== 'gptq' && format !== 'gptq_v2') {
    throw new LowbitError(
      'BAD_FILE',
      `${quantizePath}: checkpoint_format "${format}"; lowbit reads "gptq" and "gptq_v2".`,
    );
  }
  const nHeads = field<number>(config, 'num_attention_heads', 'number', configPath);
  return {
    quantizeConfig: {
      quant_method: 'gptq',
      bits: field(q, 'bits', 'number', quantizePath),
      group_size: field(q, 'group_size', 'number', quantizePath),
      desc_act: field(q, 'desc_act', 'boolean', quantizePath),
      sym: field(q, 'sym', 'boolean', quantizePath),
      static_groups: q.static_groups === true,
      true_sequential: q.true_sequential !== false,
      checkpoint_format: format,
    },
    nLayers: field(config, 'num_hidden_layers', 'number', configPath),
    nHeads,
    nKvHeads: typeof config.num_key_value_heads === 'number' ? config.num_key_value_heads : nHeads,
  };
}
