import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import { keyValueTable } from '../table';
import { safetensorsSections } from './safetensors';
import type { Inspection } from './section';

function readConfig(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LowbitError(
      'BAD_FILE',
      `${path} is not valid JSON (${(e as Error).message}); re-export the model.`,
      { path },
    );
  }
}

/** A Hugging Face folder: config.json's scalar fields and model.safetensors' header. */
export function inspectHfLlama(dir: string): Inspection {
  const config = readConfig(join(dir, 'config.json'));
  const scalars = Object.entries(config).filter(([, v]) => v === null || typeof v !== 'object');
  return {
    kind: 'Hugging Face model folder',
    sections: [
      { title: 'config.json', table: keyValueTable(scalars.map(([k, v]) => [k, String(v)])) },
      ...safetensorsSections(join(dir, 'model.safetensors')),
    ],
  };
}
