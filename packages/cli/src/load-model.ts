import { existsSync, statSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';
import { isLowbitDir, type LowbitModel, loadLowbitDir } from './format/index';
import { type LoadedModel, MODEL_FORMATS } from './model-kinds/index';

const KNOWN =
  'a llama2.c .bin, an .onnx file, a tfjs model.json, an HF llama folder (config.json + model.safetensors) or a lowbit directory';

/** Loads any model lowbit reads, recognised by its path: see {@link MODEL_FORMATS} and lowbit directories. */
export async function loadModel(path: string): Promise<LoadedModel | LowbitModel> {
  if (!existsSync(path))
    throw new LowbitError('MISSING_FILE', `Model ${path} not found; pass ${KNOWN}.`, { path });
  const isDirectory = statSync(path).isDirectory();
  if (isDirectory && isLowbitDir(path)) return loadLowbitDir(path);
  const format = MODEL_FORMATS.find((f) => f.matches(path, isDirectory));
  if (!format)
    throw new LowbitError('BAD_ARGS', `Cannot tell what model ${path} is; pass ${KNOWN}.`, { path });
  return format.load(path);
}

export function isLowbitModel(loaded: LoadedModel): loaded is LowbitModel {
  return 'manifest' in loaded;
}
