import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import { readGptqCheckpoint, writeGptqCheckpoint } from '@lowbit/export';
import { HF_CONFIG_FILE, readJsonFile } from '@lowbit/models';
import { isExportDir, readExportManifest } from '../format/export-manifest';
import { TOKENIZER_FILE } from '../format/manifest';
import { llamaFromGptq } from './gptq-llama';
import type { ModelFormat } from './loaded-model';

/** The file transformers' GPTQ folders hold beside config.json (export's QUANTIZE_CONFIG_FILE). */
const QUANTIZE_CONFIG_FILE = 'quantize_config.json';

function configJson(dir: string): Record<string, unknown> {
  const json = readJsonFile(join(dir, HF_CONFIG_FILE));
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new LowbitError('BAD_FILE', `${join(dir, HF_CONFIG_FILE)} is not a JSON object.`);
  return json as Record<string, unknown>;
}

/** A transformers GPTQ llama folder: config.json, quantize_config.json, model.safetensors (qweight, …). */
export const gptqFormat: ModelFormat = {
  kind: 'gptq',
  baseName: 'gptq',
  matches: (path, isDirectory) => isDirectory && existsSync(join(path, QUANTIZE_CONFIG_FILE)),
  load: async (path) => {
    const model = llamaFromGptq(path, configJson(path), readGptqCheckpoint(path));
    const tokenizer = join(path, TOKENIZER_FILE);
    return {
      kind: 'gptq',
      path,
      model,
      tokenizer: existsSync(tokenizer) ? tokenizer : undefined,
      record: isExportDir(path) ? readExportManifest(path) : undefined,
      save: async (to) => writeGptqCheckpoint(model, to),
    };
  },
};
