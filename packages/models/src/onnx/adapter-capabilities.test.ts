import { type CaptureFn, forwardModel, initBackend, type QuantTarget, tf } from '@lowbit/core-tensor';
import { expectLowbitError, TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOnnxModel, type OnnxModel } from './onnx-model';
import { onnxModelBytes } from './save';
import { buildOnnxModel, randomValues, type TensorSpec } from './test-support/onnx-builder';
import { OrtReference } from './test-support/ort-reference';

const tensor = (name: string, dims: number[], seed: number, shift = 0): TensorSpec => ({
  name,
  dims,
  values: randomValues(
    dims.reduce((a, b) => a * b, 1),
    seed,
  ).map((v) => v + shift),
});

/** conv(+bias) → BN → relu → maxpool → conv(no bias) → relu → flatten → gemm (transB) → relu → matmul. */
function smallCnn(): OnnxModel {
  const bytes = buildOnnxModel({
    opset: 13,
    input: { name: 'x', dims: [2, 2, 6, 6] },
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attributes: { pads: [1, 1, 1, 1] } },
      {
        op: 'BatchNormalization',
        inputs: ['c1', 'g', 'be', 'm', 'v'],
        outputs: ['n1'],
        attributes: { epsilon: { float: 1e-3 } },
      },
      { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
      {
        op: 'MaxPool',
        inputs: ['r1'],
        outputs: ['p1'],
        attributes: { kernel_shape: [2, 2], strides: [2, 2] },
      },
      { op: 'Conv', inputs: ['p1', 'w2'], outputs: ['c2'] },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'Flatten', inputs: ['r2'], outputs: ['f'] },
      {
        op: 'Gemm',
        inputs: ['f', 'w3', 'b3'],
        outputs: ['d1'],
        attributes: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } },
      },
      { op: 'Relu', inputs: ['d1'], outputs: ['r3'] },
      { op: 'MatMul', inputs: ['r3', 'w4'], outputs: ['y'] },
    ],
    initializers: [
      tensor('w1', [3, 2, 3, 3], 1),
      tensor('b1', [3], 2),
      tensor('g', [3], 3, 1.5),
      tensor('be', [3], 4),
      tensor('m', [3], 5),
      tensor('v', [3], 6, 2),
      tensor('w2', [4, 3, 2, 2], 7),
      tensor('w3', [5, 16], 8),
      tensor('b3', [5], 9),
      tensor('w4', [5, 3], 10),
    ],
  });
  return loadOnnxModel(bytes, { name: 'small' });
}

const target = (model: OnnxModel, name: string): QuantTarget =>
  model.blocks[0].targets.find((t) => t.name === name) as QuantTarget;

describe.each(TEST_BACKENDS)('ONNX adapter capabilities on %s', (backend) => {
  let baseline = 0;
  let model: OnnxModel;
  let x: tf.Tensor;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
    model = smallCnn();
    x = tf.tensor4d(randomValues(2 * 2 * 6 * 6, 11), [2, 2, 6, 6]);
  });
  afterEach(() => {
    x.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  /** Every target's captured input and its node's output (the value after bias), by target. */
  function layerIo(): Map<string, { input: Float32Array; shape: number[] }> {
    const io = new Map<string, { input: Float32Array; shape: number[] }>();
    const capture: CaptureFn = (name, input) => {
      io.set(name, { input: input.dataSync() as Float32Array, shape: input.shape });
      return undefined;
    };
    tf.tidy(() => {
      model.blocks[0].forward(x, capture);
    });
    return io;
  }

  it('apply() is the node op without bias: conv, Gemm with alpha, MatMul', () => {
    const io = layerIo();
    // w2 feeds c2 (no bias) → relu; w4 produces the output y. Check both against the graph.
    const y = tf.tidy(() => forwardModel(model, x).arraySync());
    const w4 = target(model, 'w4');
    const r3 = io.get('w4')!;
    const applied = tf.tidy(() => {
      const w = w4.weight();
      return w4.apply!(tf.tensor(r3.input, r3.shape), w).arraySync();
    });
    expect(applied).toEqual(y);
    // Gemm: alpha · f · w3ᵀ (+ beta·b3 added by the graph, not by apply).
    const f = io.get('w3')!;
    const gemm = tf.tidy(() => {
      const w3 = target(model, 'w3');
      const out = w3.apply!(tf.tensor(f.input, f.shape), w3.weight());
      const manual = tf.mul(
        tf.matMul(tf.tensor2d(f.input, [2, 16]), tf.transpose(w3.weight()) as tf.Tensor2D),
        0.5,
      );
      return tf.max(tf.abs(tf.sub(out, manual))).dataSync()[0];
    });
    expect(gemm).toBeLessThan(1e-6);
    // Conv: output channel count and spatial size of c2 (3x3 input, 2x2 kernel → 2x2).
    const p1 = io.get('w2')!;
    const shape = tf.tidy(() => {
      const w2 = target(model, 'w2');
      return w2.apply!(tf.tensor(p1.input, p1.shape), w2.weight()).shape;
    });
    expect(shape).toEqual([2, 4, 2, 2]);
  });

  it('bias reads beta·C, writes change the forward, and a bias can be added to a conv without one', () => {
    const gemm = target(model, 'w3');
    const c = Float32Array.from(randomValues(5, 9));
    expect([...gemm.bias!.read()]).toEqual([...c.map((v) => Math.fround(v * 2))]);
    const conv = target(model, 'w2');
    expect([...conv.bias!.read()]).toEqual([0, 0, 0, 0]);
    const before = tf.tidy(() => forwardModel(model, x).dataSync());
    conv.bias!.write(Float32Array.from([0.5, -0.25, 0.125, 1]));
    const after = tf.tidy(() => forwardModel(model, x).dataSync());
    expect(after).not.toEqual(before);
    expectLowbitError(() => conv.bias!.write(new Float32Array(3)), 'BAD_TENSOR', /4 finite values/);
    expectLowbitError(() => conv.bias!.write(Float32Array.from([0, 0, Number.NaN, 0])), 'BAD_TENSOR', /NaN/);
  });

  it('forward options substitute weights and biases so gradients reach them', () => {
    const variables = new Map<string, tf.Variable>();
    const parameters = (t: QuantTarget, role: string, v: tf.Tensor) => {
      const key = `${t.name}.${role}`;
      if (!variables.has(key)) variables.set(key, tf.variable(v.clone(), true, key));
      return variables.get(key) as tf.Variable;
    };
    const loss = () =>
      tf.tidy(() => tf.sum(model.blocks[0].forward(x, undefined, { parameters })) as tf.Scalar);
    loss().dispose(); // creates the variables
    const { value, grads } = tf.variableGrads(loss, [...variables.values()]);
    const reference = tf.tidy(() => tf.sum(forwardModel(model, x)).dataSync()[0]);
    expect(value.dataSync()[0]).toBeCloseTo(reference, 4);
    expect([...variables.keys()].sort()).toEqual(
      ['w1.bias', 'w1.weight', 'w2.weight', 'w3.bias', 'w3.weight', 'w4.weight'].sort(),
    );
    for (const name of ['w1.weight', 'w3.bias', 'w4.weight']) {
      expect(tf.tidy(() => tf.sum(tf.abs(grads[name])).dataSync()[0])).toBeGreaterThan(0);
    }
    value.dispose();
    tf.dispose(Object.values(grads));
    tf.dispose([...variables.values()]);
  });

  it('lists the conv→BN site and CLE pairs, and a bypassed BN passes its input through', () => {
    const block = model.blocks[0];
    expect(block.batchNorms!.map((s) => s.target)).toEqual(['w1']);
    // Before folding, the BN stands between w1 and w2: only conv2→gemm? No (flatten); gemm→matmul only.
    expect(block.mappings.map((m) => [m.smooth, m.balance])).toEqual([['w3', ['w4']]]);
    const site = block.batchNorms![0];
    const io = () => layerIo().get('w2')!.input;
    const before = io();
    expect(block.targets.map((t) => t.activation)).toEqual([undefined, 'relu', 'relu', undefined]);
    site.bypass();
    expect(block.batchNorms).toEqual([]);
    expect([...model.bypassedNodes]).toEqual([site.name]);
    expect(io()).not.toEqual(before);
    expect(block.mappings.map((m) => [m.smooth, m.balance])).toEqual([
      ['w1', ['w2']],
      ['w3', ['w4']],
    ]);
  });

  it('divideOutput divides a pair’s output channels and bias; scaling the next layer restores the output', () => {
    const [mapping] = model.blocks[0].mappings; // w3 → relu → w4
    const before = tf.tidy(() => forwardModel(model, x).dataSync());
    const s = Float32Array.from([2, 0.5, 4, 1, 3]);
    const w3 = target(model, 'w3');
    const bias = w3.bias!.read();
    mapping.divideOutput(s);
    expect(w3.bias!.read()[2]).toBeCloseTo(bias[2] / 4, 6);
    const w4 = target(model, 'w4');
    tf.tidy(() => w4.setWeight(tf.mul(w4.weight(), tf.tensor2d(s, [1, 5]))));
    const after = tf.tidy(() => forwardModel(model, x).dataSync());
    after.forEach((v, i) => {
      expect(v).toBeCloseTo(before[i], 5);
    });
  });
});

describe('ONNX adapter export of folded and biased models', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('onnxModelBytes writes folded batch norms as Identity and added biases; onnxruntime agrees', async () => {
    const model = smallCnn();
    const site = model.blocks[0].batchNorms![0];
    const w1 = target(model, 'w1');
    const k = site.gamma.map((g, j) => g / Math.sqrt(site.variance[j] + site.epsilon));
    tf.tidy(() => w1.setWeight(tf.mul(w1.weight(), tf.tensor4d(k, [3, 1, 1, 1]))));
    const b1 = w1.bias!.read();
    w1.bias!.write(b1.map((b, j) => (b - site.mean[j]) * k[j] + site.beta[j]));
    site.bypass();
    target(model, 'w2').bias!.write(Float32Array.from([0.5, -0.25, 0.125, 1]));
    const x = tf.tensor4d(randomValues(2 * 2 * 6 * 6, 11), [2, 2, 6, 6]);
    const ours = tf.tidy(() => forwardModel(model, x).dataSync() as Float32Array);
    const ort = await OrtReference.create(onnxModelBytes(model));
    try {
      const theirs = (await ort.run(x.dataSync() as Float32Array, x.shape, 'y')).data;
      theirs.forEach((v, i) => {
        expect(v).toBeCloseTo(ours[i], 4);
      });
    } finally {
      x.dispose();
      await ort.release();
    }
  });
});
