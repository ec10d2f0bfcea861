import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { currentBackend, initBackend } from './backend';
import { denseEngine, engineInfo } from './engine';
import { LowbitError } from './errors';
import { tf } from './tf';

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.LOWBIT_BACKEND;
    delete process.env.LOWBIT_ENGINE;
    delete process.env.LOWBIT_THREADS;
  });

  it('picks the first backend that starts and says why it skipped the native ones', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm') expect(info.reason).toMatch(/tfjs-node-gpu not installed/);
    expect(currentBackend()).toBe(info.name === 'wasm' ? 'wasm' : 'tensorflow');
  });

  it('honours an explicit option and LOWBIT_BACKEND', async () => {
    expect(await initBackend({ backend: 'cpu' })).toMatchObject({ name: 'cpu', reason: 'requested' });
    process.env.LOWBIT_BACKEND = 'wasm';
    expect(await initBackend()).toMatchObject({ name: 'wasm', reason: 'LOWBIT_BACKEND=wasm' });
  });

  it('rejects unknown names and missing native backends with the fix', async () => {
    process.env.LOWBIT_BACKEND = 'webgpu';
    await expect(initBackend()).rejects.toThrow(/LOWBIT_BACKEND is "webgpu"; use one of auto/);
    delete process.env.LOWBIT_BACKEND;
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toBeInstanceOf(LowbitError);
  });

  it('registers gradients on every backend', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend({ backend });
      const g = tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]))
          .dataSync(),
      );
      expect(Array.from(g)).toEqual([2, 4]);
    }
  });

  it('chooses onnxruntime on every core by default and reports the engine', async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.engine).toMatchObject({
      name: 'onnxruntime',
      device: 'cpu',
      threads: availableParallelism(),
    });
    expect(info.engine.reason).toMatch(
      /^auto; onnxruntime-node [\d.]+ has no CUDA execution provider bundled$/,
    );
    expect(denseEngine().name).toBe('onnxruntime');
    expect(engineInfo()).toEqual(info.engine);
  });

  it('honours options.engine / LOWBIT_ENGINE and options.threads / LOWBIT_THREADS', async () => {
    const tfjs = await initBackend({ backend: 'wasm', engine: 'tfjs' });
    expect(tfjs.engine).toEqual({ name: 'tfjs', threads: 1, device: 'tfjs backend', reason: 'requested' });
    expect(denseEngine().name).toBe('tfjs');
    process.env.LOWBIT_ENGINE = 'onnxruntime';
    process.env.LOWBIT_THREADS = '1';
    const ort = await initBackend({ backend: 'wasm' });
    expect(ort.engine).toMatchObject({ name: 'onnxruntime', threads: 1 });
    expect(ort.engine.reason).toMatch(/^LOWBIT_ENGINE=onnxruntime/);
    expect((await initBackend({ backend: 'wasm', threads: 2 })).engine.threads).toBe(2);
  });

  it('rejects unknown engines and bad thread counts naming the option', async () => {
    await expect(initBackend({ backend: 'wasm', engine: 'mlx' as never })).rejects.toThrow(
      /options.engine is "mlx"; use one of auto, onnxruntime, tfjs/,
    );
    process.env.LOWBIT_THREADS = '0';
    await expect(initBackend({ backend: 'wasm' })).rejects.toThrow(
      /LOWBIT_THREADS is 0; pass a whole number/,
    );
    await expect(initBackend({ backend: 'wasm', threads: 1.5 })).rejects.toThrow(/options.threads is 1.5/);
  });
});
