import { tf } from '@lowbit/core-tensor';
import type { KernelSpec, OpContext } from './op';

function runGemm(ctx: OpContext): tf.Tensor {
  const a = ctx.node.attributes;
  const alpha = a.float('alpha', 1);
  const beta = a.float('beta', 1);
  const input = ctx.capture(a.int('transA', 0) ? tf.transpose(ctx.required(0)) : ctx.required(0));
  const b = ctx.required(1);
  // An explicit transpose: tfjs-wasm's matMul with transposeB is an order of magnitude slower.
  const product = tf.matMul(input, a.int('transB', 0) === 1 ? tf.transpose(b) : b);
  const scaled = alpha === 1 ? product : tf.mul(product, alpha);
  const c = ctx.input(2);
  if (!c) return scaled;
  return tf.add(scaled, beta === 1 ? c : tf.mul(c, beta));
}

/** numpy matmul: a rank-1 operand gets a unit dim that is removed from the result. */
function runMatMul(ctx: OpContext): tf.Tensor {
  const a = ctx.capture(ctx.required(0));
  const b = ctx.required(1);
  const product = tf.matMul(a.rank === 1 ? tf.expandDims(a, 0) : a, b.rank === 1 ? tf.expandDims(b, 1) : b);
  const squeezed = b.rank === 1 ? tf.squeeze(product, [-1]) : product;
  return a.rank === 1 ? tf.squeeze(squeezed, [-2]) : squeezed;
}

/** x [N, in] times a weight in the target layout [out, in] (transposed explicitly: see runGemm). */
function matMulRows(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.matMul(x as tf.Tensor2D, tf.transpose(w) as tf.Tensor2D));
}

/** Gemm: Y = alpha·A'·B' + beta·C; B is a linear weight ([out, in] when transB = 1). */
export const GEMM: KernelSpec = {
  attributes: ['alpha', 'beta', 'transA', 'transB'],
  weight: (node, dims) => {
    if (dims.length !== 2) return undefined;
    const alpha = node.attributes.float('alpha', 1);
    return {
      kind: 'linear',
      transposed: node.attributes.int('transB', 0) !== 1,
      apply: (x, w) => tf.tidy(() => (alpha === 1 ? matMulRows(x, w) : tf.mul(matMulRows(x, w), alpha))),
      biasScale: node.attributes.float('beta', 1),
    };
  },
  run: runGemm,
};

/** MatMul: a constant 2-D B [in, out] is a linear weight. */
export const MATMUL: KernelSpec = {
  attributes: [],
  weight: (_node, dims) =>
    dims.length === 2 ? { kind: 'linear', transposed: true, apply: matMulRows } : undefined,
  run: runMatMul,
};
