import { initBackend, mulberry32, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageBatches, sampleIndices } from './sampling';

describe('sampleIndices', () => {
  it('draws distinct in-range indices, reproducibly per seed', () => {
    const a = sampleIndices(1000, 100, 7);
    expect(new Set(a).size).toBe(100);
    expect(a.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(sampleIndices(1000, 100, 7)).toEqual(a);
    expect(sampleIndices(1000, 100, 8)).not.toEqual(a);
    expect(Array.from(sampleIndices(5, 5, 1)).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects more samples than items', () => {
    expect(() => sampleIndices(3, 4, 0)).toThrow(expect.objectContaining({ code: 'BAD_ARGS' }));
  });

  it('mulberry32 gives uniform-looking floats in [0, 1)', () => {
    const random = mulberry32(123);
    const values = Array.from({ length: 10_000 }, random);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length - 0.5)).toBeLessThan(0.02);
  });
});

describe.each(TEST_BACKENDS)('imageBatches on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('copies the chosen images into NCHW batches', () => {
    const images = Float32Array.from({ length: 5 * 4 }, (_, i) => i);
    const data = { images, shape: [5, 1, 2, 2] as [number, number, number, number] };
    const batches = imageBatches(data, { batchSize: 2, indices: [4, 0, 2] });
    expect(batches.map((b) => b.shape)).toEqual([
      [2, 1, 2, 2],
      [1, 1, 2, 2],
    ]);
    expect(Array.from(batches[0].dataSync())).toEqual([16, 17, 18, 19, 0, 1, 2, 3]);
    expect(Array.from(batches[1].dataSync())).toEqual([8, 9, 10, 11]);
    tf.dispose(batches);
    expect(imageBatches(data, { batchSize: 10 }).map((b) => b.shape[0])).toEqual([5]);
    expect(() => imageBatches(data, { batchSize: 2, indices: [5] })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGS' }),
    );
  });
});
