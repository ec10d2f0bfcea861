import {
  type ActivationQuantPlan,
  assertWritable,
  LowbitError,
  writeAll,
  writeFileAtomic,
} from '@lowbit/core-tensor';
import { type OnnxModel, onnx } from '@lowbit/models';
import { type QdqActivation, qdqActivations } from './activation-qdq';
import { floatModelProto, initializerBytes } from './float-model';
import { NameScope } from './names';
import { irVersionFor, PER_AXIS_OPSET, QDQ_OPSET } from './opset';
import { upgradeNodes } from './opset-upgrade';
import { activationQdq, type QdqFragment, weightDequantize } from './qdq-nodes';
import { QDQ_TYPES, type QdqType } from './qdq-type';
import { type QdqWeight, qdqWeight } from './weight-qdq';

export interface ExportOnnxQdqOptions {
  /** Static per-tensor qparams of the targets' inputs (e.g. staticQuant's plan()); omit for weight-only QDQ. */
  activations?: ActivationQuantPlan;
  /** Also write the model here, atomically. */
  path?: string;
  /** Replace an existing `path` (default false: EXISTS). */
  overwrite?: boolean;
  /** Store ≤ 4-bit weight codes as int4/uint4 (opset 21; default true), else as int8/uint8. */
  fourBitWeights?: boolean;
  /**
   * Quantize 4-bit activations to int4/uint4 (opset 21). Default false: uint8/int8 Q/DQ followed by
   * a Clip to the 4-bit codes' real range, which computes the same values and which onnxruntime
   * 1.30 also runs with graph optimizations on (its QDQ optimizer mishandles 4-bit activations).
   */
  fourBitActivations?: boolean;
}

export interface OnnxQdqSummary {
  /** The ai.onnx opset of the export and of the float model it came from. */
  opset: number;
  sourceOpset: number;
  irVersion: number;
  /** Initializer bytes of the float model (fp32 weights) and of the export. */
  floatInitializerBytes: number;
  initializerBytes: number;
  /** Size of the .onnx file. */
  fileBytes: number;
  /** Each quantized weight: its integer type and per-channel axis (undefined: per tensor). */
  weights: { name: string; type: QdqType; axis: number | undefined }[];
  /** Targets whose input is quantized, and the number of QuantizeLinear → DequantizeLinear pairs. */
  activationTargets: string[];
  activationPairs: number;
}

export interface OnnxQdqExport {
  bytes: Uint8Array;
  summary: OnnxQdqSummary;
}

const TARGET_OPS = new Set(['Conv', 'Gemm', 'MatMul']);

function defaultOpset(proto: onnx.IModelProto): number {
  const entry = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 1;
}

function requiredOpset(
  weights: readonly QdqWeight[],
  activations: ReadonlyMap<string, QdqActivation>,
): number {
  const types = [...weights.map((w) => w.type), ...[...activations.values()].map((a) => a.type)];
  const perAxis = weights.some((w) => w.axis !== undefined) ? PER_AXIS_OPSET : QDQ_OPSET;
  return Math.max(perAxis, ...types.map((t) => QDQ_TYPES[t].opset));
}

function checkWork(model: OnnxModel, quantized: number, activations?: ActivationQuantPlan): void {
  if (quantized > 0 || activations) return;
  throw new LowbitError(
    'BAD_ARGS',
    `"${model.name}" has no quantized weight and no activation plan was given: nothing to export as QDQ; quantize its targets first (e.g. rtn, staticQuant) or pass { activations }. For the float model use saveOnnxModel.`,
  );
}

/** The weight fragments, by the float initializer they replace. */
function weightFragments(
  model: OnnxModel,
  graph: onnx.IGraphProto,
  fourBit: boolean,
  names: NameScope,
): { weights: QdqWeight[]; fragments: Map<string, QdqFragment> } {
  const dims = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
  const weights: QdqWeight[] = [];
  for (const [name, weight] of model.weights) {
    if (!weight.target.quantized) continue;
    const initializerDims = dims.get(name);
    if (!initializerDims) {
      throw new LowbitError(
        'BAD_ARGS',
        `The graph of "${model.name}" has no initializer "${name}"; reload the model.`,
      );
    }
    weights.push(qdqWeight(weight, initializerDims, fourBit));
  }
  return { weights, fragments: new Map(weights.map((w) => [w.name, weightDequantize(w, names)])) };
}

interface Rewrite {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  activationTargets: Set<string>;
  activationPairs: number;
}

/** Inserts the shared activation Q/DQ before each planned target's node and points inputs at the DQ outputs. */
function rewriteNodes(
  nodes: readonly onnx.INodeProto[],
  weights: ReadonlyMap<string, QdqFragment>,
  activations: ReadonlyMap<string, QdqActivation>,
  names: NameScope,
  opset: number,
): Rewrite {
  const result: Rewrite = { nodes: [], initializers: [], activationTargets: new Set(), activationPairs: 0 };
  for (const w of weights.values()) {
    result.nodes.push(...w.nodes);
    result.initializers.push(...w.initializers);
  }
  const shared = new Map<string, string>();
  for (const node of nodes) {
    const input = (node.input ?? []).map((v) => weights.get(v)?.output ?? v);
    const qdq = TARGET_OPS.has(node.opType ?? '') ? activations.get((node.input ?? [])[1]) : undefined;
    if (qdq && input[0]) {
      const key = JSON.stringify([input[0], qdq]);
      let output = shared.get(key);
      if (!output) {
        const fragment = activationQdq(input[0], qdq, names, opset);
        result.nodes.push(...fragment.nodes);
        result.initializers.push(...fragment.initializers);
        result.activationPairs++;
        output = fragment.output;
        shared.set(key, output);
      }
      input[0] = output;
      result.activationTargets.add((node.input ?? [])[1]);
    }
    result.nodes.push({ ...node, input });
  }
  return result;
}

function withOpset(proto: onnx.IModelProto, opset: number): onnx.IModelProto['opsetImport'] {
  const others = (proto.opsetImport ?? []).filter((o) => o.domain && o.domain !== 'ai.onnx');
  return [{ domain: '', version: opset }, ...others];
}

/**
 * Writes an imported ONNX CNN in the QDQ format of onnxruntime's quantization tool: each quantized
 * weight target becomes an integer initializer (int8/uint8, or int4/uint4 at opset 21) read by a
 * DequantizeLinear (per output channel: axis 0 of Conv and Gemm transB = 1 weights, axis 1 of
 * MatMul / Gemm transB = 0 ones) and, with `activations`, each planned target's data input passes
 * through QuantizeLinear → DequantizeLinear (one pair per value and qparams). The opset is raised
 * as far as needed (13 per channel, 21 for 4-bit types), spelling out changed op semantics.
 * Returns the model's bytes and a summary; writes them atomically when `path` is given.
 */
export function exportOnnxQdq(model: OnnxModel, options: ExportOnnxQdqOptions = {}): OnnxQdqExport {
  const {
    activations: plan,
    path,
    overwrite = false,
    fourBitWeights = true,
    fourBitActivations = false,
  } = options;
  const quantized = [...model.weights.values()].filter((w) => w.target.quantized).length;
  checkWork(model, quantized, plan);
  if (path !== undefined) assertWritable([path], { overwrite });
  const activations = plan
    ? qdqActivations(plan, new Set(model.weights.keys()), fourBitActivations)
    : new Map();
  const proto = floatModelProto(model);
  const graph = proto.graph as onnx.IGraphProto;
  const names = new NameScope(graph);
  const { weights, fragments } = weightFragments(model, graph, fourBitWeights, names);
  const sourceOpset = defaultOpset(proto);
  const opset = Math.max(sourceOpset, requiredOpset(weights, activations));
  const upgraded = upgradeNodes(graph.node ?? [], sourceOpset, opset, names);
  const rewrite = rewriteNodes(upgraded.nodes, fragments, activations, names, opset);
  const keep = (item: { name?: string | null }) => !fragments.has(item.name ?? '');
  const irVersion = Math.max(Number(proto.irVersion), irVersionFor(opset));
  const initializer = [
    ...(graph.initializer ?? []).filter(keep),
    ...upgraded.initializers,
    ...rewrite.initializers,
  ];
  const bytes = onnx.ModelProto.encode({
    ...proto,
    irVersion,
    opsetImport: withOpset(proto, opset),
    graph: {
      ...graph,
      node: rewrite.nodes,
      initializer,
      input: (graph.input ?? []).filter(keep),
      valueInfo: (graph.valueInfo ?? []).filter(keep),
    },
  }).finish();
  if (path !== undefined) writeFileAtomic(path, (fd) => writeAll(fd, bytes), { overwrite });
  const summary: OnnxQdqSummary = {
    opset,
    sourceOpset,
    irVersion,
    floatInitializerBytes: initializerBytes(graph),
    initializerBytes: initializerBytes({ initializer }),
    fileBytes: bytes.length,
    weights: weights.map(({ name, type, axis }) => ({ name, type, axis })),
    activationTargets: [...rewrite.activationTargets],
    activationPairs: rewrite.activationPairs,
  };
  return { bytes, summary };
}
