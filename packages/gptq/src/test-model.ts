// A two-block toy model for the modifier tests. Each block: h = relu(x·qᵀ) + x·kᵀ, y = x + h·oᵀ;
// q and k read the same input tensor; true-sequential groups [[q, k], [o]].
import { ArrayTarget, type Block, type QuantModel, tf } from '@lowbit/core-tensor';
import { randn } from './test-helpers';

function linear(x: tf.Tensor, target: ArrayTarget): tf.Tensor {
  return tf.matMul(x as tf.Tensor2D, tf.transpose(target.weight()) as tf.Tensor2D);
}

function toyBlock(name: string, dim: number, seed: number, sequential: boolean): Block {
  const target = (n: string, shape: [number, number], s: number) =>
    new ArrayTarget(`${name}.${n}`, 'linear', shape, randn(shape[0] * shape[1], s));
  const [q, k, o] = [
    target('q', [6, dim], seed),
    target('k', [6, dim], seed + 1),
    target('o', [dim, 6], seed + 2),
  ];
  const conv = new ArrayTarget(`${name}.conv`, 'conv2d', [2, 1, 3, 3], randn(18, seed + 3));
  return {
    name,
    targets: [q, k, o, conv],
    mappings: [],
    sequentialGroups: sequential ? [[q.name, k.name], [o.name]] : undefined,
    forward: (x, capture) =>
      tf.tidy(() => {
        capture?.(q.name, x);
        capture?.(k.name, x);
        const h = tf.add(tf.relu(linear(x, q)), linear(x, k));
        capture?.(o.name, h);
        return tf.add(x, linear(h, o));
      }),
  };
}

/** Inputs [rows, dim] pass through `embed` unchanged; the outer target is an unused embedding. */
export function toyModel(dim = 12, sequential = true): QuantModel {
  return {
    name: 'toy',
    task: 'classifier',
    blocks: [toyBlock('block0', dim, 100, sequential), toyBlock('block1', dim, 200, sequential)],
    outerTargets: [new ArrayTarget('embed', 'embedding', [5, dim], randn(5 * dim, 300))],
    embed: (x) => tf.clone(x),
    head: (x) => tf.clone(x),
  };
}

/** Calibration batches [rows, dim] with correlated features. */
export function toyCalibration(dim = 12, batches = 3, rows = 20): tf.Tensor2D[] {
  return Array.from({ length: batches }, (_, b) =>
    tf.tidy(() => {
      const mixing = tf.add(tf.eye(dim), tf.tensor2d(randn(dim * dim, 7), [dim, dim]));
      return tf.matMul(tf.tensor2d(randn(rows * dim, 50 + b), [rows, dim]), mixing);
    }),
  );
}
