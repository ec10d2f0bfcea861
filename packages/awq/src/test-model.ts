// A two-block toy with AWQ's two kinds of mappings. Each block: n = x ⊙ g, then
// y = x + (relu(n·Aᵀ) ⊙ n·Bᵀ)·Cᵀ; mappings g → [A, B] (a norm) and B → [C] (a linear).
import { ArrayTarget, type Block, type Mapping, type QuantModel, tf } from '@lowbit/core-tensor';
import { randn } from './test-helpers';

const DIM = 8;
const HIDDEN = 12;

function linear(x: tf.Tensor, target: ArrayTarget): tf.Tensor {
  return tf.transpose(tf.matMul(target.weight(), tf.transpose(x)));
}

function normMapping(smooth: string, g: Float32Array, balance: string[]): Mapping {
  return {
    smooth,
    balance,
    divideOutput: (s) => {
      for (let j = 0; j < g.length; j++) g[j] /= s[j];
    },
  };
}

function linearMapping(producer: ArrayTarget, balance: string[]): Mapping {
  return {
    smooth: producer.name,
    balance,
    divideOutput: (s) => {
      const divided = tf.tidy(() => tf.div(producer.weight(), tf.reshape(tf.tensor1d(s), [-1, 1])));
      producer.setWeight(divided);
      divided.dispose();
    },
  };
}

function toyBlock(name: string, seed: number): Block {
  const target = (n: string, shape: [number, number], s: number) =>
    new ArrayTarget(
      `${name}.${n}`,
      'linear',
      shape,
      randn(shape[0] * shape[1], s).map((v) => v / Math.sqrt(shape[1])),
    );
  const [a, b, c] = [
    target('a', [HIDDEN, DIM], seed),
    target('b', [HIDDEN, DIM], seed + 1),
    target('c', [DIM, HIDDEN], seed + 2),
  ];
  const g = Float32Array.from(randn(DIM, seed + 3), (v) => 1 + 0.2 * v);
  return {
    name,
    targets: [a, b, c],
    mappings: [normMapping(`${name}.norm`, g, [a.name, b.name]), linearMapping(b, [c.name])],
    forward: (x, capture) =>
      tf.tidy(() => {
        const n = tf.mul(x, tf.tensor1d(g));
        capture?.(a.name, n);
        capture?.(b.name, n);
        const h = tf.mul(tf.relu(linear(n, a)), linear(n, b));
        capture?.(c.name, h);
        return tf.add(x, linear(h, c));
      }),
  };
}

/** Inputs [rows, 8] pass through `embed` unchanged. */
export function toyModel(): QuantModel {
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [toyBlock('block0', 100), toyBlock('block1', 200)],
    outerTargets: [],
    embed: (x) => tf.clone(x),
    head: (x) => tf.clone(x),
  };
}

/** Calibration batches [rows, 8] whose channels 2 and 5 are 20× larger, as LLM activation outliers. */
export function toyCalibration(batches = 3, rows = 32): tf.Tensor2D[] {
  const gain = Float32Array.from({ length: DIM }, (_, j) => (j === 2 || j === 5 ? 20 : 1));
  return Array.from({ length: batches }, (_, i) =>
    tf.tidy(() => tf.mul(tf.tensor2d(randn(rows * DIM, 50 + i), [rows, DIM]), tf.tensor1d(gain))),
  );
}
