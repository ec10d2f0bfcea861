import { basename } from 'node:path';
import { type Block, type QuantModel, tf } from '@lowbit/core-tensor';
import { type OnnxGraph, readOnnxGraph } from './graph';
import { GraphProgram } from './program';
import type { OnnxWeight } from './weights';

/** An imported ONNX CNN: a classifier QuantModel whose single block 'graph' runs the whole graph. */
export interface OnnxModel extends QuantModel {
  /** The parsed graph and its original proto, for exporters. */
  readonly graph: OnnxGraph;
  /** The Conv / Gemm / MatMul weight targets, by initializer name, with their ONNX layouts. */
  readonly weights: ReadonlyMap<string, OnnxWeight>;
  /** The graph value the model returns. */
  readonly output: string;
  /** BatchNormalization nodes folded into their conv (exporters write them as Identity). */
  readonly bypassedNodes: ReadonlySet<string>;
}

export interface LoadOnnxModelOptions {
  /** The model's name (default: the file name, else the graph's name). */
  name?: string;
  /** The graph value to return (default: the first graph output). */
  output?: string;
}

function defaultName(source: string | Uint8Array, graph: OnnxGraph): string {
  if (typeof source === 'string') return basename(source, '.onnx');
  return graph.name || 'onnx-model';
}

/**
 * Imports an ONNX CNN (a path or the file's bytes). Every node is checked at load: an op lowbit
 * cannot run is UNSUPPORTED_OP, a malformed file BAD_FILE, a missing one MISSING_FILE. The block's
 * forward takes the graph input (NCHW images) and computes in NCHW semantics; capture sees conv
 * targets' NCHW inputs and linear targets' [N, in] inputs. Biases stay float; targets expose them
 * (`bias`) and their op (`apply`); the block lists CLE pairs (`mappings`) and foldable `batchNorms`.
 */
export function loadOnnxModel(source: string | Uint8Array, options: LoadOnnxModelOptions = {}): OnnxModel {
  const graph = readOnnxGraph(source);
  const program = new GraphProgram(graph, options.output ?? graph.outputs[0]?.name ?? '');
  const block: Block = {
    name: 'graph',
    targets: [...program.weights.values()].map((w) => w.target),
    get mappings() {
      return program.mappings();
    },
    get batchNorms() {
      return program.batchNorms();
    },
    forward: (x, capture, options) => program.run(x, capture, options),
  };
  return {
    name: options.name ?? defaultName(source, graph),
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
    graph,
    weights: program.weights,
    output: program.output,
    get bypassedNodes() {
      return program.bypassedNodes;
    },
  };
}
