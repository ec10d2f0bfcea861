import { afterEach, describe, expect, it } from 'vitest';
import { currentBackend, initBackend } from './backend';
import { LowbitError } from './errors';
import { tf } from './tf';

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.LOWBIT_BACKEND;
  });

  it('picks the first backend that starts and says why it skipped the native ones', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
    if (info.name === 'wasm') expect(info.reason).toMatch(/tfjs-node-gpu not installed/);
    expect(currentBackend()).toBe(info.name === 'wasm' ? 'wasm' : 'tensorflow');
  });

  it('honours an explicit option and LOWBIT_BACKEND', async () => {
    expect(await initBackend({ backend: 'cpu' })).toEqual({ name: 'cpu', reason: 'requested' });
    process.env.LOWBIT_BACKEND = 'wasm';
    expect(await initBackend()).toEqual({ name: 'wasm', reason: 'LOWBIT_BACKEND=wasm' });
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
});
