import { bytesFile, type OverwriteOptions, writeFilesAtomic } from '@lowbit/core-tensor';
import type { OnnxModel } from './onnx-model';
import { onnx } from './onnx-proto';
import type { OnnxTarget } from './onnx-target';
import { encodeFloatTensor } from './tensor';

export type SaveOnnxModelOptions = OverwriteOptions;

/** The bias initializer a target's graph node reads now: C = bias / beta, in the slot's dims. */
function biasInitializer(target: OnnxTarget, original: onnx.ITensorProto | undefined): onnx.TensorProto {
  const slot = target.biasSlot!;
  const values = (target.currentBias as Float32Array).map((b) => b / slot.scale);
  const base = original ?? { name: `${target.name}_bias`, dims: slot.dims as number[] };
  return encodeFloatTensor(base, values);
}

/** Targets whose bias the graph does not hold yet (added by BN folding or bias correction). */
function addedBiases(model: OnnxModel): OnnxTarget[] {
  return [...model.weights.values()]
    .map((w) => w.target)
    .filter((t) => t.currentBias && t.biasSlot && !t.biasSlot.initializer);
}

function currentInitializers(model: OnnxModel): onnx.ITensorProto[] {
  const biasOwners = new Map(
    [...model.weights.values()]
      .filter((w) => w.target.biasSlot?.initializer && w.target.currentBias)
      .map((w) => [w.target.biasSlot!.initializer as string, w.target]),
  );
  const existing = (model.graph.proto.graph?.initializer ?? []).map((tensor) => {
    const name = tensor.name ?? '';
    const weight = model.weights.get(name);
    if (weight) return encodeFloatTensor(tensor, weight.onnxValues());
    const owner = biasOwners.get(name);
    return owner ? biasInitializer(owner, tensor) : tensor;
  });
  return [...existing, ...addedBiases(model).map((t) => biasInitializer(t, undefined))];
}

/** Nodes with added bias inputs, and folded batch norms as Identity. */
function currentNodes(model: OnnxModel): onnx.INodeProto[] {
  const added = new Map(addedBiases(model).map((t) => [t.biasSlot!.node, `${t.name}_bias`]));
  return (model.graph.proto.graph?.node ?? []).map((node, i) => {
    const name = model.graph.nodes[i].name;
    const input = node.input ?? [];
    if (model.bypassedNodes.has(name)) {
      return onnx.NodeProto.create({
        name: node.name,
        opType: 'Identity',
        input: [input[0]],
        output: node.output,
      });
    }
    const bias = added.get(name);
    if (!bias) return node;
    return onnx.NodeProto.create({ ...node, input: [input[0], input[1], bias] });
  });
}

/**
 * The model as it computes now, as an ONNX proto: weight targets' current (dequantized) values,
 * current biases (added where a node had none), folded BatchNormalization nodes as Identity.
 */
export function currentModelProto(model: OnnxModel): onnx.ModelProto {
  const { proto } = model.graph;
  const graph = onnx.GraphProto.create({
    ...proto.graph,
    node: currentNodes(model),
    initializer: currentInitializers(model),
  });
  return onnx.ModelProto.create({ ...proto, graph });
}

/** The encoded currentModelProto(model). */
export function onnxModelBytes(model: OnnxModel): Uint8Array {
  return onnx.ModelProto.encode(currentModelProto(model)).finish();
}

/** Writes onnxModelBytes(model) to `path` through a temporary file and a rename. */
export function saveOnnxModel(model: OnnxModel, path: string, options: SaveOnnxModelOptions = {}): void {
  writeFilesAtomic([bytesFile(path, onnxModelBytes(model))], options);
}
