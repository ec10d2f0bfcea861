import { availableParallelism } from 'node:os';
import { LowbitError } from '../errors';
import { requestedChoice } from '../requested-choice';
import type { DenseEngine, EngineName } from './dense-engine';
import { loadOnnxruntimeBinding, type OnnxruntimeBinding } from './onnxruntime-binding';
import { onnxruntimeEngine } from './onnxruntime-engine';
import { tfjsEngine } from './tfjs-engine';

export interface EngineInfo {
  name: EngineName;
  /** Threads one dense op may use. */
  threads: number;
  /** Where the dense ops run. */
  device: 'cpu' | 'cuda' | 'tfjs backend';
  /** Why this engine: the request, or what auto-selection skipped and why. */
  reason: string;
}

export interface EngineOptions {
  /** Force a dense engine; otherwise `LOWBIT_ENGINE`, otherwise auto. */
  engine?: EngineName | 'auto';
  /** Threads per dense op; otherwise `LOWBIT_THREADS`, otherwise every core. */
  threads?: number;
}

const ENGINES: EngineName[] = ['onnxruntime', 'tfjs'];

let active: { engine: DenseEngine; info: EngineInfo } | undefined;
/** Started onnxruntime engines by threads and providers: their sessions outlive initBackend calls. */
const started = new Map<string, DenseEngine>();

function cachedOnnxruntime(binding: OnnxruntimeBinding, threads: number, providers: string[]): DenseEngine {
  const key = `${threads}:${providers.join(',')}`;
  let engine = started.get(key);
  if (!engine) {
    engine = onnxruntimeEngine(binding, { threads, executionProviders: providers });
    started.set(key, engine);
  }
  return engine;
}

/** The dense engine chosen by initBackend (tfjs on its current backend until then). */
export function denseEngine(): DenseEngine {
  return active?.engine ?? tfjsEngine(1);
}

/** What initBackend chose for dense compute, or undefined before it ran. */
export function engineInfo(): EngineInfo | undefined {
  return active?.info;
}

function resolveThreads(options: EngineOptions): number {
  const env = process.env.LOWBIT_THREADS;
  const [value, source] =
    options.threads !== undefined
      ? [options.threads, 'options.threads']
      : env
        ? [Number(env), 'LOWBIT_THREADS']
        : [availableParallelism(), ''];
  if (!Number.isInteger(value) || value < 1) {
    throw new LowbitError('BAD_ARGS', `${source} is ${value}; pass a whole number of threads ≥ 1.`);
  }
  return value;
}

/** Whether the engine multiplies a small known product correctly (catches a broken provider). */
function smokeTest(engine: DenseEngine): string | undefined {
  try {
    const c = engine.matMul(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 0, 1, 1, 1), {
      m: 2,
      k: 3,
      n: 2,
    });
    return c.join() === '4,5,10,11' ? undefined : `a test product gave [${c.join()}], expected [4,5,10,11]`;
  } catch (e) {
    return (e as Error).message;
  }
}

/** onnxruntime on CUDA when its provider ships and works, else on the CPU; or why not. */
function startOnnxruntime(
  binding: OnnxruntimeBinding,
  threads: number,
): { engine: DenseEngine; device: 'cpu' | 'cuda'; notes: string[] } | string {
  const notes: string[] = [];
  const cuda = binding.providers().find((p) => p.name === 'cuda');
  if (cuda?.bundled) {
    const engine = cachedOnnxruntime(binding, threads, ['cuda', 'cpu']);
    const failure = smokeTest(engine);
    if (!failure) return { engine, device: 'cuda', notes };
    notes.push(`CUDA execution provider failed (${failure})`);
  } else {
    notes.push(`onnxruntime-node ${binding.version} has no CUDA execution provider bundled`);
  }
  const engine = cachedOnnxruntime(binding, threads, ['cpu']);
  const failure = smokeTest(engine);
  return failure ? `onnxruntime-node failed a test product: ${failure}` : { engine, device: 'cpu', notes };
}

function useTfjs(backend: string, threads: number, reason: string): EngineInfo {
  const native = backend.startsWith('tensorflow');
  const engineThreads = native ? threads : 1;
  active = {
    engine: tfjsEngine(engineThreads),
    info: { name: 'tfjs', threads: engineThreads, device: 'tfjs backend', reason },
  };
  return active.info;
}

/**
 * Chooses the dense engine after the tfjs backend (`backend`, tf.getBackend()'s name): tfjs when it
 * runs native TensorFlow, else onnxruntime-node (MLAS, every core), else tfjs; `options.engine` or
 * `LOWBIT_ENGINE` overrides. The returned reason says what was skipped and why.
 */
export function initEngine(options: EngineOptions, backend: string, gpuBackend: boolean): EngineInfo {
  const { choice: requested, source } = requestedChoice(
    options.engine,
    'options.engine',
    'LOWBIT_ENGINE',
    ENGINES,
  );
  const threads = resolveThreads(options);
  if (requested === 'tfjs') return useTfjs(backend, threads, source);
  if (requested === 'auto' && gpuBackend) {
    return useTfjs(backend, threads, 'auto: tfjs-node-gpu runs dense ops on CUDA');
  }
  const binding = loadOnnxruntimeBinding();
  const start = typeof binding === 'string' ? binding : startOnnxruntime(binding, threads);
  if (typeof start === 'string') {
    if (requested === 'onnxruntime') {
      throw new LowbitError(
        'BACKEND',
        `Engine "onnxruntime" could not start (${start}). Install onnxruntime-node or choose LOWBIT_ENGINE=tfjs.`,
      );
    }
    return useTfjs(backend, threads, `auto: ${start}`);
  }
  const reason = [source, ...start.notes].join('; ');
  active = {
    engine: start.engine,
    info: { name: 'onnxruntime', threads, device: start.device, reason },
  };
  return active.info;
}
