import { type CaptureFn, forwardModel, initBackend, type QuantTarget, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomValues } from '../onnx/test-support/onnx-builder';
import { fromLayersModel, type LayersQuantModel } from './layers-model';

/** The demo's MNIST CNN shape: conv → BN → ReLU → pool → conv → BN → ReLU → pool → flatten → dense. */
function demoLikeCnn(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [10, 10, 1],
        filters: 4,
        kernelSize: 3,
        name: 'c1',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      tf.layers.reLU({ name: 'r1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 2,
        name: 'c2',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
      tf.layers.batchNormalization({ name: 'bn2' }),
      tf.layers.reLU({ name: 'r2' }),
      tf.layers.flatten({ name: 'f' }),
      tf.layers.dense({
        units: 5,
        activation: 'relu',
        name: 'd1',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        name: 'd2',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
      }),
    ],
  });
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'BatchNormalization' && !layer.name.startsWith('c')) return;
    layer.setWeights(
      layer.getWeights().map((w, j) =>
        tf.tensor(
          randomValues(w.size, 20 + 3 * i + j).map((v) => (layer.name.startsWith('bn') ? v + 1.5 : v)),
          w.shape,
        ),
      ),
    );
  });
  return model;
}

const target = (model: LayersQuantModel, name: string): QuantTarget =>
  model.blocks[0].targets.find((t) => t.name === name) as QuantTarget;

describe.each(TEST_BACKENDS)('tfjs-layers adapter capabilities on %s', (backend) => {
  let baseline = 0;
  let layers: tf.Sequential;
  let model: LayersQuantModel;
  let x: tf.Tensor;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    layers = demoLikeCnn();
    model = fromLayersModel(layers);
    x = tf.tensor4d(
      randomValues(3 * 100, 9).map((v) => Math.abs(v)),
      [3, 10, 10, 1],
    );
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
    x.dispose();
    layers.dispose();
  });

  function captured(): Map<string, tf.Tensor> {
    const inputs = new Map<string, tf.Tensor>();
    const capture: CaptureFn = (name, input) => {
      inputs.set(name, tf.keep(input.clone()));
      return undefined;
    };
    tf.tidy(() => {
      model.blocks[0].forward(x, capture);
    });
    return inputs;
  }

  it('lists both conv→BN sites; after bypass the CLE pairs reach across ReLU and pooling', () => {
    const block = model.blocks[0];
    expect(block.batchNorms?.map((s) => [s.name, s.target])).toEqual([
      ['bn1', 'c1/kernel'],
      ['bn2', 'c2/kernel'],
    ]);
    expect(block.mappings.map((m) => [m.smooth, ...m.balance])).toEqual([['d1/kernel', 'd2/kernel']]);
    expect(block.targets.map((t) => t.activation)).toEqual([undefined, undefined, 'relu', undefined]);
    for (const site of block.batchNorms ?? []) site.bypass();
    expect(block.batchNorms).toEqual([]);
    expect(block.targets.map((t) => t.activation)).toEqual(['relu', 'relu', 'relu', undefined]);
    expect(block.mappings.map((m) => [m.smooth, ...m.balance])).toEqual([
      ['c1/kernel', 'c2/kernel'],
      ['d1/kernel', 'd2/kernel'],
    ]);
  });

  it('folding a BN by hand through bias and setWeight, then bypassing it, keeps the outputs', () => {
    const before = tf.tidy(() => forwardModel(model, x).dataSync() as Float32Array);
    for (const site of model.blocks[0].batchNorms ?? []) {
      const conv = target(model, site.target);
      const k = site.gamma.map((g, j) => g / Math.sqrt(site.variance[j] + site.epsilon));
      tf.tidy(() => conv.setWeight(tf.mul(conv.weight(), tf.tensor(k, [k.length, 1, 1, 1]))));
      conv.bias!.write(conv.bias!.read().map((b, j) => (b - site.mean[j]) * k[j] + site.beta[j]));
      site.bypass();
    }
    const after = tf.tidy(() => forwardModel(model, x).dataSync() as Float32Array);
    after.forEach((v, i) => {
      expect(Math.abs(v - before[i])).toBeLessThan(1e-5);
    });
    // The tfjs model itself (BN layers now identities) computes the same.
    const direct = tf.tidy(() => (layers.predict(x) as tf.Tensor).dataSync() as Float32Array);
    direct.forEach((v, i) => {
      expect(Math.abs(v - before[i])).toBeLessThan(1e-5);
    });
  });

  it('apply() reproduces each layer from its captured input (conv NCHW, Dense)', () => {
    const inputs = captured();
    const c2 = target(model, 'c2/kernel');
    const d2 = target(model, 'd2/kernel');
    const [convOut, denseOut] = tf.tidy(() => {
      const conv = tf.add(
        c2.apply!(inputs.get('c2/kernel')!, c2.weight()),
        tf.tensor(c2.bias!.read(), [1, 6, 1, 1]),
      );
      const dense = tf.softmax(
        tf.add(d2.apply!(inputs.get('d2/kernel')!, d2.weight()), c2.bias ? tf.tensor(d2.bias!.read()) : 0),
      );
      return [conv.shape, dense.dataSync() as Float32Array];
    }) as unknown as [number[], Float32Array];
    expect(convOut).toEqual([3, 6, 3, 3]);
    const y = tf.tidy(() => forwardModel(model, x).dataSync() as Float32Array);
    denseOut.forEach((v, i) => {
      expect(v).toBeCloseTo(y[i], 5);
    });
    tf.dispose([...inputs.values()]);
  });

  it('substituted parameters give the same outputs and carry gradients', () => {
    const variables = new Map<string, tf.Variable>();
    const parameters = (t: QuantTarget, role: string, v: tf.Tensor) => {
      const key = `${t.name}.${role}`;
      if (!variables.has(key)) variables.set(key, tf.variable(v.clone(), true, `${backend}-${key}`));
      return variables.get(key) as tf.Variable;
    };
    const run = () =>
      tf.tidy(
        () =>
          tf.sum(
            tf.mul(model.blocks[0].forward(x, undefined, { parameters }), tf.range(1, 4).reshape([1, 3])),
          ) as tf.Scalar,
      );
    const plain = tf.tidy(
      () => tf.sum(tf.mul(forwardModel(model, x), tf.range(1, 4).reshape([1, 3]))).dataSync()[0],
    );
    run().dispose();
    expect(variables.size).toBe(8);
    const { value, grads } = tf.variableGrads(run, [...variables.values()]);
    expect(value.dataSync()[0]).toBeCloseTo(plain, 5);
    const norm = tf.tidy(() => tf.sum(tf.abs(grads[`${backend}-c1/kernel.weight`])).dataSync()[0]);
    expect(norm).toBeGreaterThan(0);
    value.dispose();
    tf.dispose(Object.values(grads));
    tf.dispose([...variables.values()]);
  });

  it('training mode uses batch statistics and updates the running ones', () => {
    const bn = layers.getLayer('bn1');
    const mean = () => (bn.getWeights()[2].dataSync() as Float32Array).slice();
    const before = mean();
    const [inference, training] = tf.tidy(() => [
      model.blocks[0].forward(x).dataSync() as Float32Array,
      model.blocks[0].forward(x, undefined, { training: true }).dataSync() as Float32Array,
    ]) as unknown as Float32Array[];
    expect(training).not.toEqual(inference);
    expect(mean()).not.toEqual(before);
  });
});
