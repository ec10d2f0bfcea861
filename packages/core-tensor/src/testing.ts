// `@lowbit/core-tensor/testing`: helpers for the test suites of lowbit packages.
export { TEST_BACKENDS } from './test-support/backends';
export { expectLowbitError } from './test-support/expect-lowbit-error';
export {
  images as syntheticImages,
  type LayerSpec as SyntheticLayerSpec,
  LayerTarget as SyntheticLayerTarget,
  randn,
  SMALL_CNN,
  SMALL_CNN_INPUT,
  type SyntheticCnn,
  syntheticCnn,
} from './test-support/synthetic-cnn';
