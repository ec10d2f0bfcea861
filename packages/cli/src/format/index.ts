export {
  assertStorableBits,
  isLowbitDir,
  LOWBIT_FORMAT_VERSION,
  type LowbitManifest,
  MANIFEST_FILE,
  type ManifestTarget,
  type RecipeStep,
  readManifest,
  TENSORS_FILE,
  TOKENIZER_FILE,
} from './manifest';
export { assertOutputWritable } from './output-dir';
export { type LowbitModel, loadLowbitDir } from './read-lowbit';
export { type WriteLowbitOptions, writeLowbitDir } from './write-lowbit';
