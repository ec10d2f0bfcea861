import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allTargets, LowbitError } from '@lowbit/core-tensor';
import { readSafetensors } from '@lowbit/models';
import { type LoadedModel, modelFormat } from '../model-kinds/index';
import { type LowbitManifest, MANIFEST_FILE, readManifest, TENSORS_FILE } from './manifest';
import { readQuantizedTensor } from './quantized-tensors';

/** A model loaded from a lowbit directory: its base model with every target set from its codes. */
export interface LowbitModel extends LoadedModel {
  readonly manifest: LowbitManifest;
  /** The tokenizer stored in the directory, if any. */
  readonly tokenizer: string | undefined;
}

function requireFile(dir: string, name: string, what: string): string {
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new LowbitError(
      'BAD_FILE',
      `${dir} is incomplete: ${what} "${name}" named by ${MANIFEST_FILE} is missing. Re-create it with \`lowbit quantize … --out ${dir} --force\`.`,
      { path },
    );
  }
  return path;
}

/** Loads a lowbit directory: validates lowbit.json, loads the base model, and sets each target from its QuantizedTensor. */
export async function loadLowbitDir(dir: string): Promise<LowbitModel> {
  const manifest = readManifest(dir);
  const basePath = requireFile(dir, manifest.base.path, 'base model');
  const tensors = readSafetensors(requireFile(dir, TENSORS_FILE, 'tensor file'));
  const tokenizer = manifest.tokenizer ? requireFile(dir, manifest.tokenizer, 'tokenizer') : undefined;
  const base = await modelFormat(manifest.base.kind).load(basePath);
  const targets = new Map(allTargets(base.model).map((t) => [t.name, t]));
  for (const entry of manifest.targets) {
    const target = targets.get(entry.name);
    if (!target || target.shape.join() !== entry.shape.join()) {
      const found = target ? `[${target.shape}]` : 'no such target';
      throw new LowbitError(
        'BAD_FILE',
        `${MANIFEST_FILE} lists target "${entry.name}" [${entry.shape}] but the base model has ${found}. Re-create the directory with \`lowbit quantize … --force\`.`,
      );
    }
    target.setWeight(readQuantizedTensor(tensors, entry));
  }
  return { ...base, path: dir, manifest, record: manifest, tokenizer };
}
