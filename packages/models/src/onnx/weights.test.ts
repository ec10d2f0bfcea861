import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allTargets,
  forwardModel,
  initBackend,
  type Modifier,
  perChannel,
  QuantizedTensor,
  quantArgs,
  runRecipe,
  tf,
} from '@lowbit/core-tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageClassification, top1Accuracy } from '../data/index';
import { loadOnnxModel } from './onnx-model';
import { onnxModelBytes, saveOnnxModel } from './save';
import { fashionMnistFiles } from './test-support/fashion-mnist';
import { buildOnnxModel, randomValues } from './test-support/onnx-builder';
import { OrtReference } from './test-support/ort-reference';

/** Conv [4, 2, 3, 3] + bias → Relu → Flatten → MatMul [64, 3] (a [3, 64] linear target). */
function smallCnn(): Uint8Array {
  return buildOnnxModel({
    input: { name: 'x', dims: [2, 2, 6, 6] },
    outputs: ['y'],
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'conv.w', 'conv.b'],
        outputs: ['c'],
        attributes: { pads: [1, 1, 1, 1], strides: [2, 2] },
      },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'fc.w'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'conv.w', dims: [4, 2, 3, 3], values: randomValues(72, 1) },
      { name: 'conv.b', dims: [4], values: [0.1, -0.2, 0.3, 0.05] },
      { name: 'fc.w', dims: [36, 3], values: randomValues(108, 2) },
    ],
  });
}

const input = () => tf.tensor4d(randomValues(2 * 72, 3), [2, 2, 6, 6]);
const files = fashionMnistFiles();
const tempDir = mkdtempSync(join(tmpdir(), 'lowbit-onnx-'));

describe('ONNX weight targets (wasm)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  it('exposes conv and MatMul weights in lowbit layouts and leaves the bias float', () => {
    const model = loadOnnxModel(smallCnn(), { name: 'small' });
    expect(model.name).toBe('small');
    expect(allTargets(model).map((t) => [t.name, t.kind, t.shape])).toEqual([
      ['conv.w', 'conv2d', [4, 2, 3, 3]],
      ['fc.w', 'linear', [3, 36]],
    ]);
    const fc = model.weights.get('fc.w')!;
    const w = fc.target.weight();
    expect(w.arraySync()).toEqual(tf.transpose(tf.tensor2d(randomValues(108, 2), [36, 3])).arraySync());
    w.dispose();
  });

  it('captures the NCHW conv input and the [N, in] linear input', () => {
    const model = loadOnnxModel(smallCnn());
    const x = input();
    const seen: [string, number[]][] = [];
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      model.blocks[0].forward(x, (target, value) => {
        seen.push([target, value.shape]);
      });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([
      ['conv.w', [2, 2, 6, 6]],
      ['fc.w', [2, 36]],
    ]);
    x.dispose();
  });

  it("runs in core's sequential pipeline: modifiers observe every target's input", () => {
    const model = loadOnnxModel(smallCnn());
    const calibration = [input(), input()];
    const before = tf.memory().numTensors;
    const observed: string[] = [];
    const recorder: Modifier = {
      name: 'recorder',
      needsCalibration: true,
      observe: (_block, target, x) => observed.push(`${target} [${x.shape}]`),
      applyBlock: () => {},
      finalize: () => ({ modifier: 'recorder', config: {}, targets: [], seconds: 0 }),
    };
    runRecipe(model, [recorder], { calibration });
    expect(observed).toEqual(['conv.w [2,2,6,6]', 'fc.w [2,36]', 'conv.w [2,2,6,6]', 'fc.w [2,36]']);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(calibration);
  });

  it('zeroing one conv filter leaves only its bias in that channel, and saves to ONNX', async () => {
    const model = loadOnnxModel(smallCnn(), { output: 'y' });
    const convModel = loadOnnxModel(smallCnn(), { output: 'c' });
    const before = tf.memory().numTensors;
    const x = input();
    for (const m of [model, convModel]) {
      const target = m.weights.get('conv.w')!.target;
      const w = target.weight();
      const mask = tf.tensor4d([0, 1, 1, 1], [4, 1, 1, 1]);
      const zeroed = tf.mul(w, mask);
      target.setWeight(zeroed);
      tf.dispose([w, mask, zeroed]);
    }
    const conv = forwardModel(convModel, x);
    const channels = tf.unstack(conv, 1);
    expect(Array.from(new Set(channels[0].dataSync()))).toEqual([Math.fround(0.1)]);
    expect(new Set(channels[1].dataSync()).size).toBeGreaterThan(1);
    tf.dispose([conv, ...channels]);

    const path = join(tempDir, 'zeroed.onnx');
    saveOnnxModel(model, path);
    expect(() => saveOnnxModel(model, path)).toThrow(expect.objectContaining({ code: 'EXISTS' }));
    const reloaded = loadOnnxModel(path);
    const reloadedFilter = reloaded.weights.get('conv.w')!.target.values.subarray(0, 18);
    expect(reloadedFilter.every((v) => v === 0)).toBe(true);
    const ours = forwardModel(model, x);
    const ort = await OrtReference.create(path);
    const reference = await ort.run(x.dataSync() as Float32Array, x.shape);
    await ort.release();
    const diff = tf.tidy(
      () => tf.max(tf.abs(tf.sub(ours, tf.tensor(reference.data, reference.dims)))).dataSync()[0],
    );
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([ours, x]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.skipIf(!files)(
    '8-bit per-channel weights of the real CNN keep its accuracy, and onnxruntime runs the saved model',
    async () => {
      const model = loadOnnxModel(files!.model);
      const data = loadImageClassification(files!.images, files!.labels, { limit: 1000 });
      const float = top1Accuracy(model, data);
      const before = tf.memory().numTensors;
      const args = quantArgs({ bits: 8, symmetric: true, granularity: perChannel(0) });
      const fc1 = model.weights.get('fc1.weight')!.target;
      const floatFc1 = fc1.values;
      for (const target of allTargets(model)) {
        const w = target.weight();
        target.setWeight(QuantizedTensor.fromTensor(w, args));
        w.dispose();
      }
      expect(fc1.quantized).toBeDefined();
      expect(fc1.values.some((v, i) => v !== floatFc1[i])).toBe(true);
      const quantized = top1Accuracy(model, data);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(quantized.accuracy - float.accuracy)).toBeLessThan(0.01);

      const ort = await OrtReference.create(onnxModelBytes(model));
      const reference = await ort.run(data.images.subarray(0, 200 * 784), [200, 1, 28, 28]);
      await ort.release();
      let agree = 0;
      for (let i = 0; i < 200; i++) {
        const row = reference.data.subarray(i * 10, (i + 1) * 10);
        if (row.indexOf(Math.max(...row)) === quantized.predictions[i]) agree++;
      }
      expect(agree).toBe(200);
      console.log(
        `int8 per-channel weights: top-1 ${float.accuracy} → ${quantized.accuracy} on the first 1000 t10k images`,
      );
    },
  );
});
