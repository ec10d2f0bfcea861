export {
  EXPORT_MANIFEST_FILE,
  type ExportFormat,
  type ExportManifest,
  isExportDir,
  ONNX_MODEL_FILE,
  readExportManifest,
} from './export-manifest';
export {
  assertStorableBits,
  isLowbitDir,
  LOWBIT_FORMAT_VERSION,
  type LowbitManifest,
  MANIFEST_FILE,
  type ManifestTarget,
  type QuantizationRecord,
  type RecipeStep,
  readManifest,
  TENSORS_FILE,
  TOKENIZER_FILE,
} from './manifest';
export { assertOutputWritable } from './output-dir';
export {
  assertExportableBits,
  assertExportableModel,
  OUTPUT_FORMATS,
  type OutputFormat,
} from './output-formats';
export { type LowbitModel, loadLowbitDir } from './read-lowbit';
export type { QuantizedOutput } from './record';
export { type WriteExportOptions, writeExportDir } from './write-export';
export { type WriteLowbitOptions, writeLowbitDir } from './write-lowbit';
