import { chooseQParams, disposeQParams, initBackend, type QuantizedTensor, tf } from '@lowbit/core-tensor';
import { TEST_BACKENDS } from '@lowbit/core-tensor/testing';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adaroundLayer } from './adaround-layer';
import type { LayerProblem } from './layer-problem';
import type { LayerApply } from './reconstruction';
import { conv2dApply, linearApply } from './test-support/layers';
import { correlatedRows, randn, smoothImages } from './test-support/random';
import { matrixView, weightArgs } from './weight-grid';

const ARGS = weightArgs({ bits: 3, symmetric: true, granularity: 'channel' });

/** A layer problem on `inputs` with outputs from the float weight; `run` gets it and everything is disposed after. */
function withProblem<T>(
  weight: tf.Tensor,
  inputs: tf.Tensor,
  apply: LayerApply,
  run: (p: LayerProblem) => T,
): T {
  const targets = apply(inputs, weight);
  const qparams = tf.tidy(() => chooseQParams(matrixView(weight), ARGS));
  try {
    return run({ weight, args: ARGS, qparams, inputs, targets, apply });
  } finally {
    disposeQParams(qparams);
    tf.dispose([weight, inputs, targets]);
  }
}

/** Σ over outputs of (apply(X, Ŵ) − Y)² averaged over rows/positions, Ŵ = (code − z)·s computed here in JS. */
function lossOfWeight(problem: LayerProblem, values: Float32Array): number {
  return tf.tidy(() => {
    const out = problem.apply(problem.inputs, tf.tensor(values, problem.weight.shape));
    const diff = tf.sub(out, problem.targets).dataSync();
    let sum = 0;
    for (const d of diff) sum += d * d;
    return (sum * out.shape[1]!) / out.size;
  });
}

function dequantizeJs(q: QuantizedTensor): Float32Array {
  const perRow = q.codes.length / q.scale.length;
  return Float32Array.from(q.codes, (c, i) => {
    const row = Math.floor(i / perRow);
    return (c - q.zeroPoint[row]) * q.scale[row];
  });
}

/** Round half to even (ONNX QuantizeLinear, core's quantize): the max-abs weight lands on a tie ±(2^b − 1)/2. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round-to-nearest values (half to even, saturating) computed in JS. */
function nearestJs(weight: Float32Array, q: QuantizedTensor): Float32Array {
  const perRow = weight.length / q.scale.length;
  return Float32Array.from(weight, (w, i) => {
    const row = Math.floor(i / perRow);
    const s = q.scale[row];
    return Math.min(3, Math.max(-4, roundHalfEven(Math.fround(w / s)))) * s;
  });
}

describe.each(TEST_BACKENDS)('adaroundLayer (%s)', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  const cases: {
    layer: string;
    make: () => { weight: tf.Tensor; inputs: tf.Tensor };
    apply: LayerApply;
    iterations: number;
  }[] = [
    {
      layer: 'linear [6, 16] on correlated rows',
      make: () => ({
        weight: tf.mul(tf.tensor2d(randn(96, 3), [6, 16]), 0.3),
        inputs: correlatedRows(256, 16, 11),
      }),
      apply: linearApply,
      iterations: 1000,
    },
    {
      layer: 'conv [4, 2, 3, 3] on smooth images',
      make: () => ({
        weight: tf.mul(tf.tensor4d(randn(72, 4), [4, 2, 3, 3]), 0.3),
        inputs: smoothImages(64, 2, 8, 12),
      }),
      apply: conv2dApply,
      iterations: backend === 'cpu' ? 300 : 1000,
    },
  ];

  it.each(cases)('$layer: flips some roundings and beats round-to-nearest', ({ make, apply, iterations }) => {
    const { weight, inputs } = tf.tidy(make);
    const floatWeight = Float32Array.from(weight.dataSync());
    withProblem(weight, inputs, apply, (problem) => {
      const events: number[] = [];
      const result = adaroundLayer(
        problem,
        { iterations, learningRate: 1e-2, progressInterval: 100 },
        (iteration, loss) => {
          expect(Number.isFinite(loss)).toBe(true);
          events.push(iteration);
        },
      );
      const q = result.quantized;
      // Both claims, from numbers computed here: AdaRound changed some roundings, and they help.
      const nearest = nearestJs(floatWeight, q);
      const hardened = dequantizeJs(q);
      const flips = hardened.filter((v, i) => Math.abs(v - nearest[i]) > 1e-6).length;
      expect(flips).toBeGreaterThan(0);
      expect(result.flipped).toBeCloseTo(flips / hardened.length, 6);
      const nearestLoss = lossOfWeight(problem, nearest);
      const loss = lossOfWeight(problem, hardened);
      expect(result.nearestLoss).toBeCloseTo(nearestLoss, 4);
      expect(result.loss).toBeCloseTo(loss, 4);
      expect(loss).toBeLessThan(0.9 * nearestLoss);
      expect(events.at(-1)).toBe(iterations);
      expect(events[0]).toBe(100);
    });
  });

  it.each(cases)('$layer: codes stay in [qmin, qmax] and round W/s down or up only', ({ make, apply }) => {
    const { weight, inputs } = tf.tidy(make);
    const floatWeight = Float32Array.from(weight.dataSync());
    withProblem(weight, inputs, apply, (problem) => {
      const { quantized: q } = adaroundLayer(problem, { iterations: 50, learningRate: 5e-2 });
      expect(q.shape).toEqual([weight.shape[0], weight.size / weight.shape[0]]);
      const perRow = q.codes.length / q.scale.length;
      q.codes.forEach((code, i) => {
        expect(code).toBeGreaterThanOrEqual(-4);
        expect(code).toBeLessThanOrEqual(3);
        const scaled = Math.fround(floatWeight[i] / q.scale[Math.floor(i / perRow)]);
        const down = Math.max(-4, Math.min(3, Math.floor(scaled)));
        const up = Math.max(-4, Math.min(3, Math.ceil(scaled)));
        expect([down, up]).toContain(code);
      });
      expect(Array.from(q.zeroPoint)).toEqual(new Array(q.scale.length).fill(0));
    });
  });

  it('keeps the asymmetric zero point: codes − z are ⌊W/s⌋ or ⌈W/s⌉ in [0, 2^b − 1]', () => {
    const args = weightArgs({ bits: 4, symmetric: false, granularity: 'tensor' });
    const weight = tf.tidy(() => tf.add(tf.mul(tf.tensor2d(randn(40, 5), [4, 10]), 0.2), 0.1));
    const floatWeight = Float32Array.from(weight.dataSync());
    const inputs = correlatedRows(64, 10, 6);
    const targets = linearApply(inputs, weight);
    const qparams = chooseQParams(weight, args);
    const { quantized: q } = adaroundLayer(
      { weight, args, qparams, inputs, targets, apply: linearApply },
      { iterations: 100, learningRate: 1e-2 },
    );
    const [s, z] = [q.scale[0], q.zeroPoint[0]];
    expect(q.scale.length).toBe(1);
    expect(z).toBeGreaterThan(0);
    q.codes.forEach((code, i) => {
      expect(code).toBeGreaterThanOrEqual(0);
      expect(code).toBeLessThanOrEqual(15);
      const scaled = Math.fround(floatWeight[i] / s);
      expect([Math.floor(scaled) + z, Math.ceil(scaled) + z]).toContain(code);
    });
    disposeQParams(qparams);
    tf.dispose([weight, inputs, targets]);
  });

  it('hardens the initial V to nearest rounding: h(V₀) = frac(W/s), so V₀ ≥ 0 exactly where frac ≥ ½', () => {
    const weight = tf.tidy(() => tf.mul(tf.tensor2d(randn(96, 8), [6, 16]), 0.3));
    const floatWeight = Float32Array.from(weight.dataSync());
    withProblem(weight, correlatedRows(64, 16, 9), linearApply, (problem) => {
      // One Adam step moves V by ≈ the learning rate: 1e-12 leaves every sign as initialised.
      const { quantized: q } = adaroundLayer(problem, { iterations: 1, learningRate: 1e-12 });
      let compared = 0;
      floatWeight.forEach((w, i) => {
        const scaled = Math.fround(w / q.scale[Math.floor(i / 16)]);
        const fraction = scaled - Math.floor(scaled);
        // Exact ties (each row's max |w| lands on ±3.5) give V₀ = ±1e-7 from float rounding: either side is right.
        if (Math.abs(fraction - 0.5) < 1e-5) return;
        expect(q.codes[i]).toBe(Math.min(3, Math.max(-4, Math.floor(scaled + 0.5))));
        compared++;
      });
      expect(compared).toBeGreaterThan(85);
    });
  });
});

describe.each(TEST_BACKENDS)('adaroundLayer with a ReLU after the layer (%s)', (backend) => {
  let baseline = 0;
  beforeAll(async () => {
    await initBackend({ backend });
  });
  beforeEach(() => {
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  /** ‖relu(XŴᵀ + b) − relu(Y + b)‖² summed over channels, averaged over rows, in JS (`relu` false: ‖XŴᵀ − Y‖²). */
  function lossJs(problem: LayerProblem, values: Float32Array, bias: number[], relu: boolean): number {
    const x = problem.inputs.arraySync() as number[][];
    const y = problem.targets.arraySync() as number[][];
    const out = bias.length;
    const inDim = values.length / out;
    const f = (v: number, c: number) => (relu ? Math.max(0, v + bias[c]) : v);
    let sum = 0;
    x.forEach((row, r) => {
      for (let c = 0; c < out; c++) {
        let o = 0;
        for (let k = 0; k < inDim; k++) o += row[k] * values[c * inDim + k];
        sum += (f(o, c) - f(y[r][c], c)) ** 2;
      }
    });
    return sum / x.length;
  }

  it('compares post-ReLU outputs: a channel that is always negative adds nothing and keeps nearest rounding', () => {
    const bias = [0.2, 0.1, -0.3, -100];
    const weight = tf.tidy(() => tf.mul(tf.tensor2d(randn(64, 21), [4, 16]), 0.3));
    const floatWeight = Float32Array.from(weight.dataSync());
    withProblem(weight, correlatedRows(128, 16, 22), linearApply, (plain) => {
      const problem = { ...plain, bias: Float32Array.from(bias), activation: 'relu' as const };
      const settings = { iterations: 1000, learningRate: 1e-2 };
      const post = adaroundLayer(problem, settings);
      const pre = adaroundLayer(plain, settings);
      const nearest = nearestJs(floatWeight, post.quantized);
      // The metric is the post-activation one, with channel 1 contributing 0, and differs from pre-activation.
      expect(post.nearestLoss).toBeCloseTo(lossJs(plain, nearest, bias, true), 4);
      expect(pre.nearestLoss).toBeCloseTo(lossJs(plain, nearest, bias, false), 4);
      expect(pre.nearestLoss).toBeGreaterThan(1.5 * post.nearestLoss);
      expect(post.loss).toBeCloseTo(lossJs(plain, dequantizeJs(post.quantized), bias, true), 4);
      expect(post.loss).toBeLessThan(post.nearestLoss);
      // Channel 3 gets no reconstruction signal: the regulariser alone hardens it to nearest rounding
      // (the row's max |w| sits on the tie −3.5 or 3.5, where either side is nearest).
      const s = post.quantized.scale[3];
      const flipsInDead = (q: QuantizedTensor) =>
        dequantizeJs(q)
          .subarray(48)
          .filter((v, i) => Math.abs(v - nearest[48 + i]) > 1e-6 && Math.abs(floatWeight[48 + i]) < 3.4 * s)
          .length;
      expect(flipsInDead(post.quantized)).toBe(0);
      // Pre-activation, the same channel is reconstructed, and some of its roundings flip.
      expect(flipsInDead(pre.quantized)).toBeGreaterThan(0);
    });
  });
});
