import { extname } from 'node:path';
import { loadLlama2c, saveLlama2c } from '@lowbit/models';
import type { ModelFormat } from './loaded-model';

/** karpathy's llama2.c checkpoint: a seven-int32 header and fp32 tensors (`.bin`). */
export const llama2cFormat: ModelFormat = {
  kind: 'llama2c',
  baseName: 'model.bin',
  matches: (path, isDirectory) => !isDirectory && extname(path) === '.bin',
  load: async (path) => {
    const model = loadLlama2c(path);
    return { kind: 'llama2c', path, model, save: async (to) => saveLlama2c(model, to) };
  },
};
