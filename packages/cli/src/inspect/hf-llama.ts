import { join } from 'node:path';
import { HF_CONFIG_FILE, HF_WEIGHTS_FILE, readJsonFile } from '@lowbit/models';
import { keyValueTable } from '../table';
import { safetensorsSections } from './safetensors';
import type { Inspection } from './section';

/** A Hugging Face folder: config.json's scalar fields and model.safetensors' header. */
export function inspectHfLlama(dir: string): Inspection {
  const config = readJsonFile(join(dir, HF_CONFIG_FILE), 'Re-export the model.') as Record<string, unknown>;
  const scalars = Object.entries(config).filter(([, v]) => v === null || typeof v !== 'object');
  return {
    kind: 'Hugging Face model folder',
    sections: [
      { title: HF_CONFIG_FILE, table: keyValueTable(scalars.map(([k, v]) => [k, String(v)])) },
      ...safetensorsSections(join(dir, HF_WEIGHTS_FILE)),
    ],
  };
}
