import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isLowbitError, LowbitError } from '@lowbit/core-tensor';
import { HF_CONFIG_FILE } from '@lowbit/models';
import { isExportDir, isLowbitDir, MANIFEST_FILE } from '../format/index';
import { inspectHfLlama } from './hf-llama';
import { inspectLlama2c } from './llama2c';
import { inspectExport, inspectLowbit } from './lowbit';
import { inspectOnnx } from './onnx';
import { inspectSafetensors } from './safetensors';
import type { Inspection } from './section';
import { inspectTfjsLayers } from './tfjs-layers';
import { inspectTokenizer } from './tokenizer';

export type { Inspection, InspectSection } from './section';

/** A `.bin` is a llama2.c checkpoint or, failing that, a llama2.c tokenizer. */
function inspectBin(path: string): Inspection {
  try {
    return inspectLlama2c(path);
  } catch (checkpointError) {
    if (!isLowbitError(checkpointError, 'BAD_FILE')) throw checkpointError;
    try {
      return inspectTokenizer(path);
    } catch {
      throw checkpointError;
    }
  }
}

function inspectDirectory(dir: string): Inspection {
  if (isLowbitDir(dir)) return inspectLowbit(dir);
  if (isExportDir(dir)) return inspectExport(dir);
  if (existsSync(join(dir, HF_CONFIG_FILE))) return inspectHfLlama(dir);
  if (existsSync(join(dir, 'model.json'))) return inspectTfjsLayers(join(dir, 'model.json'));
  throw new LowbitError(
    'BAD_ARGS',
    `${dir} holds no ${MANIFEST_FILE}, ${HF_CONFIG_FILE} or model.json; pass a lowbit directory, an HF folder or a tfjs model folder.`,
  );
}

/** Describes a model, tokenizer, safetensors file or lowbit directory, recognised by its path. */
export function inspectPath(path: string): Inspection {
  if (!existsSync(path))
    throw new LowbitError('MISSING_FILE', `${path} not found; check the path.`, { path });
  if (statSync(path).isDirectory()) return inspectDirectory(path);
  if (basename(path) === MANIFEST_FILE) return inspectLowbit(dirname(path));
  switch (extname(path)) {
    case '.bin':
      return inspectBin(path);
    case '.onnx':
      return inspectOnnx(path);
    case '.safetensors':
      return inspectSafetensors(path);
    case '.json':
      return inspectTfjsLayers(path);
    default:
      throw new LowbitError(
        'BAD_ARGS',
        `Cannot tell what ${path} is; lowbit inspects .bin (llama2.c checkpoint or tokenizer), .onnx, .safetensors, model.json and model or lowbit directories.`,
      );
  }
}
