import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '@lowbit/models';
import { assertValid, count, finite, object, oneOf, string } from '../json-checks';
import { type QuantizationRecord, RECORD_FIELDS } from './manifest';

export const EXPORT_MANIFEST_FILE = 'lowbit-export.json';
export const ONNX_MODEL_FILE = 'model.onnx';

/** Formats other tools run: ONNX with MatMulNBits, and transformers' GPTQ checkpoint folder. */
export type ExportFormat = 'onnx' | 'gptq';

/** lowbit-export.json: how an exported llama was quantized, and what its reader needs to know. */
export interface ExportManifest extends QuantizationRecord {
  format: ExportFormat;
  formatVersion: number;
  /** The model file or folder, relative to the directory. */
  model: string;
  /** Tokens per evaluation window (the decoder's sequence length) and the vocabulary size. */
  seqLen: number;
  vocabSize: number;
}

const FIX = 'The export directory is damaged; re-create it with `lowbit quantize … --format … --force`.';

const EXPORT_MANIFEST = object({
  ...RECORD_FIELDS,
  format: oneOf('onnx', 'gptq'),
  model: string,
  seqLen: count,
  vocabSize: count,
  formatVersion: finite,
});

/** Whether `dir` is a directory `lowbit quantize --format onnx|gptq` wrote. */
export function isExportDir(dir: string): boolean {
  return existsSync(join(dir, EXPORT_MANIFEST_FILE));
}

/** Reads and validates `dir`/lowbit-export.json. */
export function readExportManifest(dir: string): ExportManifest {
  const manifest = readJsonFile(join(dir, EXPORT_MANIFEST_FILE), FIX);
  assertValid(manifest, EXPORT_MANIFEST, EXPORT_MANIFEST_FILE, FIX);
  return manifest as ExportManifest;
}
