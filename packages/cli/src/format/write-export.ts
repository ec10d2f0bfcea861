import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AccuracyLevel, exportLlamaOnnx, writeGptqCheckpoint } from '@lowbit/export';
import type { LlamaModel } from '@lowbit/models';
import { llamaOf } from '../tokenizer';
import {
  EXPORT_MANIFEST_FILE,
  type ExportFormat,
  type ExportManifest,
  ONNX_MODEL_FILE,
} from './export-manifest';
import { LOWBIT_FORMAT_VERSION, TOKENIZER_FILE } from './manifest';
import { writeOutputDir } from './output-dir';
import { type QuantizedOutput, quantizationRecord } from './record';

export interface WriteExportOptions extends QuantizedOutput {
  format: ExportFormat;
  /** onnx: MatMulNBits accuracy_level. */
  accuracyLevel: number;
  /** gptq: recorded in quantize_config.json. */
  staticGroups?: boolean;
  trueSequential?: boolean;
}

function exportModel(model: LlamaModel, dir: string, options: WriteExportOptions): void {
  if (options.format === 'onnx') {
    const accuracyLevel = options.accuracyLevel as AccuracyLevel; // the exporter validates it
    exportLlamaOnnx(model, join(dir, ONNX_MODEL_FILE), { accuracyLevel });
  } else {
    const { staticGroups, trueSequential } = options;
    writeGptqCheckpoint(model, dir, { staticGroups, trueSequential });
  }
}

/**
 * Writes a quantized llama as `model.onnx` (MatMulNBits) or a transformers GPTQ folder, with the
 * tokenizer and lowbit-export.json; atomically, so a refused export leaves no directory behind.
 */
export async function writeExportDir(options: WriteExportOptions): Promise<ExportManifest> {
  const model = llamaOf(options.source, `--format ${options.format}`);
  const manifest: ExportManifest = {
    format: options.format,
    formatVersion: LOWBIT_FORMAT_VERSION,
    ...quantizationRecord(options),
    model: options.format === 'onnx' ? ONNX_MODEL_FILE : '.',
    seqLen: model.config.seqLen,
    vocabSize: model.config.vocabSize,
  };
  await writeOutputDir(options.out, options.force, async (dir) => {
    exportModel(model, dir, options);
    if (options.tokenizer) copyFileSync(options.tokenizer, join(dir, TOKENIZER_FILE));
    writeFileSync(join(dir, EXPORT_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
