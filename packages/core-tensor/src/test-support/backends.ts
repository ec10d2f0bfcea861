import type { BackendName } from '../backend';

/** Unit-level numerical tests run on each of these (LOWBIT_TEST_BACKENDS=wasm,cpu overrides). */
export const TEST_BACKENDS: BackendName[] = (process.env.LOWBIT_TEST_BACKENDS?.split(
  ',',
) as BackendName[]) ?? ['wasm', 'cpu'];
