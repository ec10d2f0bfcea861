import { join } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import { HF_CONFIG_FILE, HF_WEIGHTS_FILE } from '@lowbit/models';
import { field, readJson } from '../hf/read-entries';
import { AWQ_BITS } from './awq-tensors';

/** The file AutoAWQ writes beside config.json. */
export const AWQ_QUANT_CONFIG_FILE = 'quant_config.json';

/** quant_config.json as AutoAWQ writes it. */
export interface AwqQuantConfig {
  zero_point: true;
  q_group_size: number;
  w_bit: 4;
  version: 'GEMM';
  modules_to_not_convert: null;
}

/** config.json's `quantization_config`, as transformers' AwqConfig reads it. */
export function transformersQuantizationConfig(config: AwqQuantConfig) {
  return {
    quant_method: 'awq',
    zero_point: config.zero_point,
    group_size: config.q_group_size,
    bits: config.w_bit,
    version: 'gemm',
    modules_to_not_convert: config.modules_to_not_convert,
  };
}

export function awqQuantConfig(groupSize: number): AwqQuantConfig {
  return {
    zero_point: true,
    q_group_size: groupSize,
    w_bit: AWQ_BITS,
    version: 'GEMM',
    modules_to_not_convert: null,
  };
}

/** What the reader needs from an AWQ checkpoint folder's JSON files. */
export interface AwqCheckpointConfig {
  quantConfig: AwqQuantConfig;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
}

function unsupported(path: string, problem: string): never {
  throw new LowbitError('BAD_FILE', `${path}: ${problem}; lowbit reads 4-bit GEMM AWQ with zero points.`);
}

export function readAwqConfig(dir: string): AwqCheckpointConfig {
  const contents = `an AWQ checkpoint folder holds ${HF_CONFIG_FILE}, ${AWQ_QUANT_CONFIG_FILE} and ${HF_WEIGHTS_FILE}`;
  const configPath = join(dir, HF_CONFIG_FILE);
  const quantPath = join(dir, AWQ_QUANT_CONFIG_FILE);
  const config = readJson(configPath, contents);
  const q = readJson(quantPath, contents);
  if (q.w_bit !== AWQ_BITS) unsupported(quantPath, `w_bit ${JSON.stringify(q.w_bit)}`);
  if (String(q.version).toUpperCase() !== 'GEMM')
    unsupported(quantPath, `version ${JSON.stringify(q.version)}`);
  if (q.zero_point !== true) unsupported(quantPath, `zero_point ${JSON.stringify(q.zero_point)}`);
  const nHeads = field<number>(config, 'num_attention_heads', 'number', configPath);
  return {
    quantConfig: awqQuantConfig(field(q, 'q_group_size', 'number', quantPath)),
    nLayers: field(config, 'num_hidden_layers', 'number', configPath),
    nHeads,
    nKvHeads: typeof config.num_key_value_heads === 'number' ? config.num_key_value_heads : nHeads,
  };
}
