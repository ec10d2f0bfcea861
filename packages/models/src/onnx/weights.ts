import { ArrayTarget, LowbitError, tf } from '@lowbit/core-tensor';
import type { OnnxGraph } from './graph';
import type { OpSpec, WeightUse } from './ops/op';

/** A quantizable initializer: a target in lowbit's layout, and how to map it back to ONNX's. */
export class OnnxWeight {
  constructor(
    readonly target: ArrayTarget,
    /** The ONNX initializer holds the transpose of the target ([in, out] for MatMul). */
    readonly transposed: boolean,
  ) {}

  /** The current weight in the ONNX layout, as a new tensor. */
  onnxTensor(): tf.Tensor {
    const weight = this.target.weight();
    if (!this.transposed) return weight;
    const transposed = tf.transpose(weight);
    weight.dispose();
    return transposed;
  }

  /** The current weight's values in the ONNX layout. */
  onnxValues(): Float32Array {
    const values = this.target.values;
    return this.transposed ? transpose2d(values, this.target.shape) : values;
  }
}

function transpose2d(values: Float32Array, [rows, cols]: readonly number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

function makeWeight(name: string, dims: number[], values: Float32Array, use: WeightUse): OnnxWeight {
  const shape = use.transposed ? [dims[1], dims[0]] : dims;
  const data = use.transposed ? transpose2d(values, dims) : values.slice();
  return new OnnxWeight(new ArrayTarget(name, use.kind, shape, data), use.transposed);
}

/**
 * The float initializers that Conv / Gemm / MatMul nodes use as weights, by initializer name. A
 * weight shared by nodes must have one layout.
 */
export function findWeights(graph: OnnxGraph, specs: readonly OpSpec[]): Map<string, OnnxWeight> {
  const weights = new Map<string, OnnxWeight>();
  graph.nodes.forEach((node, i) => {
    const input = node.inputs[1];
    const tensor = graph.initializers.get(input);
    const use = tensor?.data instanceof Float32Array ? specs[i].weight?.(node, tensor.dims) : undefined;
    if (!tensor || !use) return;
    const existing = weights.get(input);
    if (existing && (existing.target.kind !== use.kind || existing.transposed !== use.transposed)) {
      throw new LowbitError(
        'UNSUPPORTED_OP',
        `Weight "${input}" is shared by nodes that read it in different layouts.`,
      );
    }
    if (!existing) weights.set(input, makeWeight(input, tensor.dims, tensor.data as Float32Array, use));
  });
  return weights;
}
