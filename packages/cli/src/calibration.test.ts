import { initBackend, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCalibration } from './calibration';
import { loadModel } from './load-model';
import { cnnFiles, llamaFiles } from './test-support/lowbit';

const llama = llamaFiles();
const cnn = cnnFiles();

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe.skipIf(!llama)('calibration batches for a language model', () => {
  it('draws seeded token windows from a text file', async () => {
    const loaded = await loadModel(llama!.model);
    const options = { calib: llama!.train, samples: 3, seqLen: 64, seed: 7, tokenizer: llama!.tokenizer };
    const batches = loadCalibration(loaded, 'gptq', options);
    expect(batches.map((b) => [b.dtype, b.shape])).toEqual(Array(3).fill(['int32', [1, 64]]));
    const again = loadCalibration(loaded, 'gptq', options);
    expect(again.map((b) => Array.from(b.dataSync()))).toEqual(batches.map((b) => Array.from(b.dataSync())));
    tf.dispose([...batches, ...again]);
  });

  it('asks for --calib and for the tokenizer', async () => {
    const loaded = await loadModel(llama!.model);
    expect(() => loadCalibration(loaded, 'gptq', { samples: 1, seed: 0 })).toThrow(
      /--method gptq needs calibration data; pass --calib FILE/,
    );
    expect(() => loadCalibration(loaded, 'gptq', { calib: llama!.train, samples: 1, seed: 0 })).toThrow(
      /pass --tokenizer FILE/,
    );
  });
});

describe.skipIf(!cnn)('calibration batches for a classifier', () => {
  it('draws seeded images from an IDX file in the model input layout', async () => {
    const loaded = await loadModel(cnn!.model);
    const batches = loadCalibration(loaded, 'gptq', { calib: cnn!.images, samples: 40, seed: 1 });
    expect(batches.map((b) => b.shape)).toEqual([
      [32, 1, 28, 28],
      [8, 1, 28, 28],
    ]);
    const pixels = batches[0].dataSync();
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    tf.dispose(batches);
  });
});
