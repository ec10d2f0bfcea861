import { forwardModel, initBackend, tf } from '@lowbit/core-tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ImageClassificationData, loadImageClassification, top1Accuracy } from '../data/index';
import { loadOnnxModel, type OnnxModel } from './onnx-model';
import { fashionMnistFiles } from './test-support/fashion-mnist';
import { OrtReference } from './test-support/ort-reference';

const files = fashionMnistFiles();
const BATCH = 500;

describe.skipIf(!files)('Fashion-MNIST CNN imported from ONNX (wasm)', () => {
  let model: OnnxModel;
  let data: ImageClassificationData;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    model = loadOnnxModel(files!.model);
    data = loadImageClassification(files!.images, files!.labels);
  });

  it('exposes the three convs and two linears as targets of one block', () => {
    expect(model.blocks.map((b) => b.name)).toEqual(['graph']);
    const targets = model.blocks[0].targets.map((t) => [t.name, t.kind, t.shape]);
    expect(targets).toEqual([
      ['conv1.weight', 'conv2d', [32, 1, 3, 3]],
      ['conv2.weight', 'conv2d', [64, 32, 3, 3]],
      ['conv3.weight', 'conv2d', [128, 64, 3, 3]],
      ['fc1.weight', 'linear', [256, 3200]],
      ['fc2.weight', 'linear', [10, 256]],
    ]);
    expect(model.output).toBe('output');
  });

  it('pairs each conv/linear with the next through ReLU and max-pool for equalization; no batch norms', () => {
    const pairs = model.blocks[0].mappings.map((m) => [m.smooth, ...m.balance]);
    expect(pairs).toEqual([
      ['conv1.weight', 'conv2.weight'],
      ['conv2.weight', 'conv3.weight'],
      ['fc1.weight', 'fc2.weight'],
    ]);
    expect(model.blocks[0].batchNorms).toEqual([]);
    expect(model.blocks[0].targets.every((t) => t.bias && t.apply)).toBe(true);
    expect(model.blocks[0].targets.map((t) => t.activation)).toEqual([
      'relu',
      'relu',
      'relu',
      'relu',
      undefined,
    ]);
  });

  it('returns another graph output on request (features "19") as onnxruntime does', async () => {
    const features = loadOnnxModel(files!.model, { output: '19' });
    const pixels = data.images.subarray(0, 8 * 784);
    const ours = tf.tidy(() => forwardModel(features, tf.tensor4d(pixels, [8, 1, 28, 28])));
    const ort = await OrtReference.create(files!.model);
    const reference = await ort.run(pixels, [8, 1, 28, 28], '19');
    await ort.release();
    expect(ours.shape).toEqual([8, 3200]);
    const values = ours.dataSync();
    ours.dispose();
    expect(Math.max(...values.map((v, i) => Math.abs(v - reference.data[i])))).toBeLessThan(1e-4);
  });

  it('scores 90.15 % top-1 on the full t10k and agrees with onnxruntime-node', async () => {
    const before = tf.memory().numTensors;
    const logits = new Float32Array(10_000 * 10);
    let filled = 0;
    const recordingClassifier = (batch: tf.Tensor4D) => {
      const out = forwardModel(model, batch);
      logits.set(out.dataSync(), filled);
      filled += out.size;
      return out;
    };
    const started = performance.now();
    const lowbit = top1Accuracy(recordingClassifier, data, { batchSize: BATCH });
    const seconds = (performance.now() - started) / 1000;
    expect(tf.memory().numTensors).toBe(before);
    expect(lowbit.total).toBe(10_000);
    expect(Math.abs(lowbit.accuracy - 0.9015)).toBeLessThanOrEqual(0.0005);

    const ort = await OrtReference.create(files!.model);
    let agree = 0;
    let maxDiff = 0;
    for (let start = 0; start < lowbit.total; start += BATCH) {
      const pixels = data.images.subarray(start * 784, (start + BATCH) * 784);
      const reference = await ort.run(pixels, [BATCH, 1, 28, 28]);
      for (let i = 0; i < BATCH; i++) {
        const row = reference.data.subarray(i * 10, (i + 1) * 10);
        if (row.indexOf(Math.max(...row)) === lowbit.predictions[start + i]) agree++;
        for (let c = 0; c < 10; c++)
          maxDiff = Math.max(maxDiff, Math.abs(row[c] - logits[(start + i) * 10 + c]));
      }
    }
    await ort.release();
    console.log(
      `lowbit top-1 ${(100 * lowbit.accuracy).toFixed(2)} % in ${seconds.toFixed(1)} s (batch ${BATCH}); ` +
        `agreement with onnxruntime ${((100 * agree) / lowbit.total).toFixed(2)} %; max |log-prob diff| ${maxDiff.toExponential(2)}`,
    );
    expect(agree / lowbit.total).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThan(1e-3);
  });
});
