import type { BackendName } from '@lowbit/core-tensor';

/** Op-level tests run on each of these (LOWBIT_TEST_BACKENDS=wasm,cpu overrides). */
export const TEST_BACKENDS = (process.env.LOWBIT_TEST_BACKENDS?.split(',') ?? [
  'wasm',
  'cpu',
]) as BackendName[];
