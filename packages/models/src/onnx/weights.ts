import { LowbitError, tf } from '@lowbit/core-tensor';
import type { OnnxGraph, OnnxNode } from './graph';
import { type BiasSlot, OnnxTarget } from './onnx-target';
import type { OpSpec, WeightUse } from './ops/op';

/** A quantizable initializer: a target in lowbit's layout, and how to map it back to ONNX's. */
export class OnnxWeight {
  constructor(
    readonly target: OnnxTarget,
    /** The ONNX initializer holds the transpose of the target ([in, out] for MatMul). */
    readonly transposed: boolean,
  ) {}

  /** A weight in the target's layout (e.g. a substituted one) in the ONNX layout (call inside tf.tidy). */
  toOnnxLayout(weight: tf.Tensor): tf.Tensor {
    return this.transposed ? tf.transpose(weight) : weight;
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

/**
 * The node's bias slot: input 2 when it is a float initializer with one value per output channel,
 * or an empty input 2 that a write may fill. A computed or broadcast bias has no slot.
 */
function biasSlotOf(graph: OnnxGraph, node: OnnxNode, outChannels: number, use: WeightUse) {
  const name = node.inputs[2];
  const scale = use.biasScale ?? 1;
  if (!name) {
    const slot: BiasSlot = { node: node.name, initializer: undefined, dims: [outChannels], scale };
    return { slot, values: undefined };
  }
  const tensor = graph.initializers.get(name);
  const size = tensor?.dims.reduce((a, b) => a * b, 1);
  if (!tensor || !(tensor.data instanceof Float32Array) || size !== outChannels) return undefined;
  const slot: BiasSlot = { node: node.name, initializer: name, dims: tensor.dims, scale };
  return { slot, values: tensor.data.map((v) => v * scale) };
}

function makeWeight(
  graph: OnnxGraph,
  node: OnnxNode,
  dims: number[],
  values: Float32Array,
  use: WeightUse,
): OnnxWeight {
  const name = node.inputs[1];
  const shape = use.transposed ? [dims[1], dims[0]] : dims;
  const data = use.transposed ? transpose2d(values, dims) : values.slice();
  const bias = biasSlotOf(graph, node, shape[0], use);
  const target = new OnnxTarget(name, use.kind, shape, data, use.apply, bias?.slot, bias?.values);
  return new OnnxWeight(target, use.transposed);
}

/**
 * The float initializers that Conv / Gemm / MatMul nodes use as weights, by initializer name. A
 * weight shared by nodes must have one layout; its op and bias are the first node's.
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
    if (!existing) weights.set(input, makeWeight(graph, node, tensor.dims, tensor.data as Float32Array, use));
  });
  return weights;
}
