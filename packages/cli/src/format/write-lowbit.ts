import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '@lowbit/models';
import { modelFormat } from '../model-kinds/index';
import {
  LOWBIT_FORMAT_VERSION,
  type LowbitManifest,
  MANIFEST_FILE,
  TENSORS_FILE,
  TOKENIZER_FILE,
} from './manifest';
import { writeOutputDir } from './output-dir';
import { quantizedTensorEntries } from './quantized-tensors';
import { type QuantizedOutput, quantizationRecord, quantizedTargets } from './record';

export type WriteLowbitOptions = QuantizedOutput;

/**
 * Writes a lowbit directory: lowbit.json, quantized.safetensors (packed codes, scales, zero points,
 * g_idx of every quantized target), the base model in its own format with those targets dequantized,
 * and the tokenizer when given. Written to a temporary folder, then renamed into place.
 */
export async function writeLowbitDir(options: WriteLowbitOptions): Promise<LowbitManifest> {
  const { source } = options;
  const format = modelFormat(source.kind);
  const manifest: LowbitManifest = {
    format: 'lowbit',
    formatVersion: LOWBIT_FORMAT_VERSION,
    ...quantizationRecord(options),
    base: { path: format.baseName, kind: source.kind },
  };
  await writeOutputDir(options.out, options.force, async (dir) => {
    const entries = quantizedTargets(source).flatMap(([target, tensor]) =>
      quantizedTensorEntries(target.name, tensor),
    );
    writeSafetensors(join(dir, TENSORS_FILE), new Map(entries), { format: 'lowbit' });
    await source.save(join(dir, format.baseName));
    if (options.tokenizer) copyFileSync(options.tokenizer, join(dir, TOKENIZER_FILE));
    writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
