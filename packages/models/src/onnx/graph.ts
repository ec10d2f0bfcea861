import { existsSync, readFileSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';
import { OnnxAttributes } from './attributes';
import { onnx } from './onnx-proto';
import { decodeTensor, type OnnxTensor, toInt } from './tensor';

/** One node of an ONNX graph. `name` is the node's name, or `<opType>_<index>` when it has none. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Input value names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: OnnxAttributes;
}

/** A graph input or output: its name and declared dims (a string for a symbolic dim). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[] | undefined;
}

/** A parsed ONNX model: what lowbit runs, and the original proto an exporter rewrites. */
export interface OnnxGraph {
  readonly proto: onnx.ModelProto;
  readonly name: string;
  /** The ai.onnx opset version. */
  readonly opset: number;
  /** In topological order, as ONNX requires. */
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  /** The graph's runtime inputs (initializers excluded). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

function badModel(source: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `${source} is not a valid ONNX model: ${problem}. Re-export or re-download it.`,
    {
      source,
    },
  );
}

function readModelBytes(source: string | Uint8Array): { bytes: Uint8Array; label: string } {
  if (typeof source !== 'string') return { bytes: source, label: 'The given ONNX bytes' };
  if (!existsSync(source))
    throw new LowbitError('MISSING_FILE', `ONNX model ${source} not found; check the path.`, {
      path: source,
    });
  return { bytes: readFileSync(source), label: source };
}

function decodeModel(bytes: Uint8Array, label: string): onnx.ModelProto {
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw badModel(label, `protobuf decoding failed (${(e as Error).message})`);
  }
  if (toInt(proto.irVersion) < 1 || !proto.graph || (proto.graph.node ?? []).length === 0) {
    throw badModel(label, 'it has no IR version or no graph nodes');
  }
  return proto;
}

function opsetOf(proto: onnx.ModelProto): number {
  const entry = (proto.opsetImport ?? []).find((o) => DEFAULT_DOMAINS.has(o.domain ?? ''));
  return entry ? toInt(entry.version) : 1;
}

function valueInfo(info: onnx.IValueInfoProto): OnnxValueInfo {
  const shape = info.type?.tensorType?.shape;
  const dims = shape?.dim?.map((d) =>
    d.dimParam ? d.dimParam : d.dimValue != null ? toInt(d.dimValue) : '?',
  );
  return { name: info.name ?? '', dims };
}

function parseNode(proto: onnx.INodeProto, index: number): OnnxNode {
  const opType = proto.opType ?? '';
  const name = proto.name || `${opType}_${index}`;
  return {
    name,
    opType,
    domain: proto.domain ?? '',
    inputs: proto.input ?? [],
    outputs: proto.output ?? [],
    attributes: new OnnxAttributes(proto.attribute ?? [], `${opType} node "${name}"`),
  };
}

/** Reads and parses an ONNX model from a path or bytes (MISSING_FILE / BAD_FILE on failure). */
export function readOnnxGraph(source: string | Uint8Array): OnnxGraph {
  const { bytes, label } = readModelBytes(source);
  const proto = decodeModel(bytes, label);
  const graph = proto.graph as onnx.IGraphProto;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', decodeTensor(t)]));
  return {
    proto,
    name: graph.name ?? '',
    opset: opsetOf(proto),
    nodes: (graph.node ?? []).map(parseNode),
    initializers,
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
  };
}

/** Whether a node belongs to the default ai.onnx domain. */
export function isDefaultDomain(node: OnnxNode): boolean {
  return DEFAULT_DOMAINS.has(node.domain);
}
