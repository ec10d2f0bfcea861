import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTargets, forwardModel, initBackend, isLowbitError, tf } from '@lowbit/core-tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../onnx/test-support/onnx-builder';
import { fromLayersModel } from './layers-model';
import { loadLayersModelFromFile, saveLayersModelToDir } from './model-files';

/** Conv2D → DepthwiseConv2D (multiplier 2) → BatchNormalization → Flatten → Dense. */
function smallSequential(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, name: 'conv' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'depthwise' }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 4, name: 'dense' }),
    ],
  });
  const bn = model.getLayer('bn');
  bn.setWeights(
    bn.getWeights().map((w, i) =>
      tf.tensor(
        randomValues(w.size, 10 + i).map((v) => v + 1.5),
        w.shape,
      ),
    ),
  );
  return model;
}

const input = () => tf.tensor4d(randomValues(3 * 8 * 8 * 2, 5), [3, 8, 8, 2]);
const dir = mkdtempSync(join(tmpdir(), 'lowbit-layers-'));

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('tfjs-layers adapter (wasm)', () => {
  let model: tf.Sequential;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    model = smallSequential();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exposes Conv2D, DepthwiseConv2D and Dense kernels as targets in lowbit layouts', () => {
    const quant = fromLayersModel(model);
    expect(quant.blocks.map((b) => b.name)).toEqual(['graph']);
    expect(allTargets(quant).map((t) => [t.name, t.kind, t.shape])).toEqual([
      ['conv/kernel', 'conv2d', [3, 2, 3, 3]],
      ['depthwise/depthwise_kernel', 'depthwise', [6, 1, 3, 3]],
      ['dense/kernel', 'linear', [4, 96]],
    ]);
    expect(quant.blocks[0].batchNorms?.map((site) => [site.name, site.target])).toEqual([
      ['bn', 'depthwise/depthwise_kernel'],
    ]);
  });

  it('maps kernels element by element: conv [kh, kw, in, out] → [out, in, kh, kw]', () => {
    const quant = fromLayersModel(model);
    const kernel = model.getLayer('conv').getWeights()[0].arraySync() as number[][][][];
    const target = allTargets(quant)[0].weight();
    const w = target.arraySync() as number[][][][];
    expect(w[2][1][0][1]).toBe(kernel[0][1][1][2]);
    const depthwise = model.getLayer('depthwise').getWeights()[0].arraySync() as number[][][][];
    const d = allTargets(quant)[1].weight();
    // Output channel c·mult + m = 2·1 + 1 = 3 reads input channel 1, multiplier 1.
    expect((d.arraySync() as number[][][][])[3][0][2][0]).toBe(depthwise[2][0][1][1]);
    tf.dispose([target, d]);
  });

  it('forwards like predict, captures NCHW conv and [N, in] dense inputs, and releases tensors', () => {
    const quant = fromLayersModel(model);
    const x = input();
    const expected = model.predict(x) as tf.Tensor;
    const before = tf.memory().numTensors;
    const seen: [string, number[]][] = [];
    const y = tf.tidy(() =>
      quant.blocks[0].forward(x, (name, value) => {
        seen.push([name, value.shape]);
      }),
    );
    expect(maxAbsDiff(y, expected)).toBe(0);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([
      ['conv/kernel', [3, 2, 8, 8]],
      ['depthwise/depthwise_kernel', [3, 3, 6, 6]],
      ['dense/kernel', [3, 96]],
    ]);
    tf.dispose([x, expected]);
  });

  it('a get → set round trip leaves predictions identical; zeroing the dense kernel leaves the bias', () => {
    const quant = fromLayersModel(model);
    const x = input();
    const before = tf.memory().numTensors;
    const reference = forwardModel(quant, x);
    for (const target of allTargets(quant)) {
      const w = target.weight();
      target.setWeight(w);
      w.dispose();
    }
    const roundTrip = forwardModel(quant, x);
    expect(maxAbsDiff(roundTrip, reference)).toBe(0);
    const dense = allTargets(quant)[2];
    const saved = dense.weight();
    const zeros = tf.zerosLike(saved);
    dense.setWeight(zeros);
    const biasOnly = forwardModel(quant, x);
    const bias = model.getLayer('dense').getWeights()[1];
    const tiled = tf.tile(tf.expandDims(bias, 0), [3, 1]);
    expect(maxAbsDiff(biasOnly, tiled)).toBe(0);
    tiled.dispose();
    dense.setWeight(saved);
    const wrongSize = tf.zeros([95, 4]);
    expect(() => dense.setWeight(wrongSize)).toThrow(expect.objectContaining({ code: 'BAD_TENSOR' }));
    tf.dispose([reference, roundTrip, saved, zeros, biasOnly, wrongSize, x]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves to a folder and loads back with identical predictions', async () => {
    const path = join(dir, 'round-trip');
    await saveLayersModelToDir(model, path);
    await expect(saveLayersModelToDir(model, path)).rejects.toThrow(
      expect.objectContaining({ code: 'EXISTS' }),
    );
    const loaded = await loadLayersModelFromFile(join(path, 'model.json'));
    const x = input();
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(allTargets(fromLayersModel(loaded)).map((t) => t.name)).toEqual(
      allTargets(fromLayersModel(model)).map((t) => t.name),
    );
    tf.dispose([x, a, b]);
    loaded.dispose();
  });

  it('reports missing, malformed and short model files', async () => {
    const code = async (path: string) =>
      loadLayersModelFromFile(path).then(
        () => undefined,
        (e) => (isLowbitError(e) ? e.code : String(e)),
      );
    expect(await code(join(dir, 'absent', 'model.json'))).toBe('MISSING_FILE');
    const path = join(dir, 'broken');
    await saveLayersModelToDir(model, path);
    const weights = readFileSync(join(path, 'weights.bin'));
    writeFileSync(join(path, 'weights.bin'), weights.subarray(0, weights.length - 4));
    expect(await code(join(path, 'model.json'))).toBe('BAD_FILE');
    writeFileSync(join(path, 'model.json'), '{ "modelTopology": ');
    expect(await code(join(path, 'model.json'))).toBe('BAD_FILE');
  });

  it('rejects functional models', () => {
    const inputLayer = tf.input({ shape: [4] });
    const functional = tf.model({
      inputs: inputLayer,
      outputs: tf.layers.dense({ units: 2 }).apply(inputLayer) as tf.SymbolicTensor,
    });
    expect(() => fromLayersModel(functional)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_OP' }));
  });
});
