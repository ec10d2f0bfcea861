// onnxruntime-node's native session, called synchronously. The package's public `run` only wraps
// this call in a Promise; lowbit's pipeline is synchronous, so the engine uses the binding itself.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface NativeTensor {
  type: 'float32';
  location: 'cpu';
  dims: readonly number[];
  data: Float32Array;
}

export interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, NativeTensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, { data: Float32Array; dims: number[] }>;
}

export interface OnnxruntimeBinding {
  version: string;
  createSession(): NativeSession;
  /** Execution providers this build lists, and whether each ships in the package. */
  providers(): { name: string; bundled: boolean }[];
}

const requireHere = createRequire(import.meta.url);

/** The binding of the installed onnxruntime-node, or a string saying why it cannot be used. */
export function loadOnnxruntimeBinding(): OnnxruntimeBinding | string {
  let entry: string;
  try {
    entry = requireHere.resolve('onnxruntime-node');
  } catch {
    return 'onnxruntime-node not installed';
  }
  try {
    const { version } = requireHere(join(dirname(entry), '..', 'package.json')) as { version: string };
    const { binding, initOrt } = requireHere(join(dirname(entry), 'binding.js'));
    initOrt();
    if (typeof binding?.InferenceSession !== 'function') {
      return `onnxruntime-node ${version} has no native InferenceSession binding`;
    }
    return {
      version,
      createSession: () => new binding.InferenceSession() as NativeSession,
      providers: () => binding.listSupportedBackends(),
    };
  } catch (e) {
    return `onnxruntime-node failed to load: ${(e as Error).message}`;
  }
}
