import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HF_CONFIG_FILE, loadHfLlama, saveHfLlama } from '@lowbit/models';
import type { ModelFormat } from './loaded-model';

/** A Hugging Face llama folder: config.json + model.safetensors. */
export const hfLlamaFormat: ModelFormat = {
  kind: 'hf-llama',
  baseName: 'hf',
  matches: (path, isDirectory) => isDirectory && existsSync(join(path, HF_CONFIG_FILE)),
  load: async (path) => {
    const model = loadHfLlama(path);
    return { kind: 'hf-llama', path, model, save: async (to) => saveHfLlama(model, to) };
  },
};
