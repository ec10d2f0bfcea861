import { type OnnxGraph, readOnnxGraph, SUPPORTED_ONNX_OPS } from '@lowbit/models';
import { formatShape, gridTable, keyValueTable } from '../table';
import type { Inspection } from './section';

function describeValues(values: OnnxGraph['inputs']): string {
  return values.map((v) => `${v.name} [${v.dims?.join(', ') ?? '?'}]`).join(', ');
}

function opsTable(graph: OnnxGraph): string {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  const rows = [...counts].map(([op, count]) => [op, count, SUPPORTED_ONNX_OPS.includes(op) ? 'yes' : 'NO']);
  return gridTable(['op', 'nodes', 'supported'], rows);
}

function initializersTable(graph: OnnxGraph): string {
  const rows = [...graph.initializers.values()].map((t) => [
    t.name,
    formatShape(t.dims),
    t.data instanceof Float32Array ? 'float32' : 'int',
    t.data.length,
  ]);
  return gridTable(['initializer', 'dims', 'type', 'values'], rows);
}

/** An ONNX model's graph: opset, inputs/outputs, ops (and whether lowbit runs them), initializers. */
export function inspectOnnx(path: string): Inspection {
  const graph = readOnnxGraph(path);
  const overview = keyValueTable([
    ['IR version', String(graph.proto.irVersion)],
    ['opset', graph.opset],
    [
      'producer',
      `${graph.proto.producerName ?? ''} ${graph.proto.producerVersion ?? ''}`.trim() || undefined,
    ],
    ['inputs', describeValues(graph.inputs)],
    ['outputs', describeValues(graph.outputs)],
    ['nodes', graph.nodes.length],
  ]);
  return {
    kind: 'ONNX model',
    sections: [
      { title: 'graph', table: overview },
      { title: 'ops', table: opsTable(graph) },
      { title: 'initializers', table: initializersTable(graph) },
    ],
  };
}
