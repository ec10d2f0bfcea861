import { tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import type { OnnxTensor } from '../tensor';
import { type FoldSpec, type KernelSpec, unsupported } from './op';

/** Identity, and Dropout at inference (its ratio and training_mode are ignored). */
export const IDENTITY: KernelSpec = { attributes: [], run: (ctx) => tf.clone(ctx.required(0)) };
export const DROPOUT: KernelSpec = {
  attributes: ['ratio', 'seed', 'is_test'],
  run: (ctx) => tf.clone(ctx.required(0)),
};

function constantValue(node: OnnxNode): OnnxTensor {
  const a = node.attributes;
  const name = node.outputs[0];
  const scalar = (data: Float32Array | Int32Array) => ({ name, dims: [], data });
  const vector = (data: Float32Array | Int32Array) => ({ name, dims: [data.length], data });
  const tensor = a.tensor('value');
  if (tensor) return { ...tensor, name };
  if (a.has('value_float')) return scalar(Float32Array.of(a.float('value_float', 0)));
  if (a.has('value_floats')) return vector(Float32Array.from(a.floats('value_floats', [])));
  if (a.has('value_int')) return scalar(Int32Array.of(a.int('value_int', 0)));
  if (a.has('value_ints')) return vector(Int32Array.from(a.ints('value_ints', [])));
  throw unsupported(node, 'a Constant without a numeric value');
}

/** Constant: folded at load, so Reshape can read its value. */
export const CONSTANT: FoldSpec = {
  attributes: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'],
  fold: constantValue,
};
