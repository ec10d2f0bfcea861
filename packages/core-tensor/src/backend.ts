import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type EngineInfo, type EngineOptions, initEngine } from './engine/select-engine';
import { LowbitError } from './errors';
import { requestedChoice } from './requested-choice';
import { tf } from './tf';
import { registerMissingWasmKernels } from './wasm-kernels';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend tfjs now runs on. */
  name: BackendName;
  /** Why it was chosen, e.g. `LOWBIT_BACKEND=cpu` or `auto: tfjs-node-gpu not installed`. */
  reason: string;
  /** The dense engine chosen for gradient-free compute (see {@link initEngine}). */
  engine: EngineInfo;
}

export interface InitBackendOptions extends EngineOptions {
  /** Force one backend; otherwise `LOWBIT_BACKEND`, otherwise the first that loads. */
  backend?: BackendName | 'auto';
}

const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const NATIVE_PACKAGE: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const requireHere = createRequire(import.meta.url);
let wasmPathsSet = false;

async function tryBackend(name: BackendName): Promise<string | undefined> {
  const nativePackage = NATIVE_PACKAGE[name];
  if (nativePackage) {
    try {
      requireHere(nativePackage); // registers the 'tensorflow' backend as a side effect
    } catch {
      return `${nativePackage} not installed`;
    }
    // tfjs-node-gpu registers itself as 'tensorflow' too.
    return (await tf.setBackend('tensorflow')) ? undefined : `${nativePackage} failed to start`;
  }
  if (name === 'wasm' && !wasmPathsSet) {
    const wasmEntry = requireHere.resolve('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(`${dirname(wasmEntry)}/`);
    registerMissingWasmKernels();
    wasmPathsSet = true;
  }
  try {
    return (await tf.setBackend(name)) ? undefined : `${name} failed to start`;
  } catch (e) {
    return `${name} failed: ${(e as Error).message}`;
  }
}

/**
 * Selects the fastest available tfjs backend: tfjs-node-gpu, then tfjs-node, then wasm,
 * then cpu. `options.backend` or the `LOWBIT_BACKEND` environment variable overrides it.
 * Gradients are registered by the tfjs import itself, so training works on every backend.
 * Then chooses the dense engine (`options.engine`, `LOWBIT_ENGINE`; `options.threads`,
 * `LOWBIT_THREADS`): onnxruntime-node where it loads, tfjs on native TensorFlow or as the fallback.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const { choice: requested, source } = requestedChoice(
    options.backend,
    'options.backend',
    'LOWBIT_BACKEND',
    AUTO_ORDER,
  );
  if (requested !== 'auto') {
    const failure = await tryBackend(requested);
    if (failure) {
      throw new LowbitError(
        'BACKEND',
        `Backend "${requested}" could not start (${failure}). Install it or choose another with LOWBIT_BACKEND.`,
      );
    }
    return {
      name: requested,
      reason: source,
      engine: initEngine(options, requested, requested === 'tensorflow-gpu'),
    };
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const failure = await tryBackend(name);
    if (!failure) {
      const reason = skipped.length ? `auto: ${skipped.join('; ')}` : 'auto';
      return { name, reason, engine: initEngine(options, name, name === 'tensorflow-gpu') };
    }
    skipped.push(failure);
  }
  throw new LowbitError('BACKEND', `No tfjs backend could start: ${skipped.join('; ')}.`);
}

/** The backend tfjs currently runs on. */
export function currentBackend(): string {
  return tf.getBackend();
}
