import {
  type AttentionDims,
  checkAttention,
  checkGram,
  checkMatMul,
  type DenseEngine,
  type MatMulDims,
} from './dense-engine';
import { type OpNode, type OpValue, opModelBytes } from './onnx-op-model';
import type { NativeSession, NativeTensor, OnnxruntimeBinding } from './onnxruntime-binding';

interface Subgraph {
  /** Input names and their symbolic dimensions. */
  inputs: Record<string, readonly string[]>;
  nodes: OpNode[];
  /** The dimensions of the output `Y`. */
  output: readonly string[];
}

/** The engine's ops, each a subgraph of the one session (names are prefixed with the op's). */
const OPS = {
  /** A [m, k] · B [k, n] */
  matMul: {
    inputs: { A: ['m', 'k'], B: ['k', 'n'] },
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
    output: ['m', 'n'],
  },
  /** A [m, k] · Bᵀ, B [n, k] */
  matMulTransposed: {
    inputs: { A: ['m', 'k'], B: ['n', 'k'] },
    nodes: [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attributes: { transB: 1 } }],
    output: ['m', 'n'],
  },
  /** A [b, m, k] · B [b, k, n] */
  batchMatMul: {
    inputs: { A: ['b', 'm', 'k'], B: ['b', 'k', 'n'] },
    nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
    output: ['b', 'm', 'n'],
  },
  /** Aᵀ·A for A [m, k] */
  gram: {
    inputs: { A: ['m', 'k'] },
    nodes: [{ op: 'Gemm', inputs: ['A', 'A'], outputs: ['Y'], attributes: { transA: 1 } }],
    output: ['k', 'k'],
  },
  /** softmax(Scale·Q·KT + Mask)·V, Q [b, m, d], KT [b, d, n] (keys pre-transposed), V [b, n, d] */
  attention: {
    inputs: { Q: ['b', 'm', 'd'], KT: ['b', 'd', 'n'], V: ['b', 'n', 'd'], Mask: ['m', 'n'], Scale: ['one'] },
    nodes: [
      { op: 'MatMul', inputs: ['Q', 'KT'], outputs: ['Scores'] },
      { op: 'Mul', inputs: ['Scores', 'Scale'], outputs: ['Scaled'] },
      { op: 'Add', inputs: ['Scaled', 'Mask'], outputs: ['Masked'] },
      { op: 'Softmax', inputs: ['Masked'], outputs: ['Weights'], attributes: { axis: -1 } },
      { op: 'MatMul', inputs: ['Weights', 'V'], outputs: ['Y'] },
    ],
    output: ['b', 'm', 'd'],
  },
} satisfies Record<string, Subgraph>;
type OpKind = keyof typeof OPS;
const KINDS = Object.keys(OPS) as OpKind[];

/** One graph holding every op, so all calls share the session's one intra-op thread pool. */
function engineGraph(): Uint8Array {
  const nodes: OpNode[] = [];
  const inputs: OpValue[] = [];
  const outputs: OpValue[] = [];
  for (const kind of KINDS) {
    const subgraph: Subgraph = OPS[kind];
    const named = (name: string) => `${kind}_${name}`;
    for (const [name, dims] of Object.entries(subgraph.inputs)) {
      inputs.push({ name: named(name), dims: dims.map(named) });
    }
    for (const node of subgraph.nodes) {
      nodes.push({ ...node, inputs: node.inputs.map(named), outputs: node.outputs.map(named) });
    }
    outputs.push({ name: named('Y'), dims: subgraph.output.map(named) });
  }
  return opModelBytes(nodes, inputs, outputs);
}

function tensor(data: Float32Array, dims: readonly number[]): NativeTensor {
  return { type: 'float32', location: 'cpu', dims, data };
}

/** onnxruntime runs every node of the graph: the ops not asked for get 1-element operands. */
const IDLE_FEEDS: Record<string, NativeTensor> = Object.fromEntries(
  KINDS.flatMap((kind) =>
    Object.entries(OPS[kind].inputs as Subgraph['inputs']).map(([name, dims]) => [
      `${kind}_${name}`,
      tensor(
        new Float32Array(1),
        dims.map(() => 1),
      ),
    ]),
  ),
);

/** X [batch, rows, columns] → [batch, columns, rows]. */
function transposeBatches(x: Float32Array, batch: number, rows: number, columns: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < batch; p++) {
    const base = p * rows * columns;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < columns; c++) out[base + c * rows + r] = x[base + r * columns + c];
  }
  return out;
}

export interface OnnxruntimeEngineOptions {
  threads: number;
  /** Execution providers in order of preference (default CPU only). */
  executionProviders?: readonly string[];
}

/**
 * The dense engine on onnxruntime-node's MLAS kernels: one session whose `threads` intra-op
 * threads serve every op, no memory arena (memory goes back to the system after each op).
 * Operands are passed without a copy.
 */
export function onnxruntimeEngine(
  binding: OnnxruntimeBinding,
  options: OnnxruntimeEngineOptions,
): DenseEngine {
  let session: NativeSession | undefined;
  const run = (kind: OpKind, feeds: Record<string, NativeTensor>): Float32Array => {
    if (!session) {
      const bytes = engineGraph();
      session = binding.createSession();
      session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        enableCpuMemArena: false,
        logSeverityLevel: 3,
        executionProviders: options.executionProviders ?? ['cpu'],
      });
    }
    const named = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [`${kind}_${name}`, t]));
    return session.run({ ...IDLE_FEEDS, ...named }, { [`${kind}_Y`]: null }, {})[`${kind}_Y`].data;
  };
  return {
    name: 'onnxruntime',
    threads: options.threads,
    matMul(a: Float32Array, b: Float32Array, dims: MatMulDims): Float32Array {
      checkMatMul(a, b, dims);
      const { batch = 1, m, k, n, transposeB = false } = dims;
      if (batch === 1 && transposeB) {
        return run('matMulTransposed', { A: tensor(a, [m, k]), B: tensor(b, [n, k]) });
      }
      if (batch === 1) return run('matMul', { A: tensor(a, [m, k]), B: tensor(b, [k, n]) });
      // MLAS's batched kernels are several times slower on a transposed B than on a plain one.
      const right = transposeB ? transposeBatches(b, batch, n, k) : b;
      return run('batchMatMul', { A: tensor(a, [batch, m, k]), B: tensor(right, [batch, k, n]) });
    },
    gram(x: Float32Array, rows: number, columns: number): Float32Array {
      checkGram(x, rows, columns);
      return run('gram', { A: tensor(x, [rows, columns]) });
    },
    attention(q, k, v, mask, dims: AttentionDims): Float32Array {
      checkAttention(q, k, v, mask, dims);
      const { batch, queries, keys, depth, scale } = dims;
      return run('attention', {
        Q: tensor(q, [batch, queries, depth]),
        KT: tensor(transposeBatches(k, batch, keys, depth), [batch, depth, keys]),
        V: tensor(v, [batch, keys, depth]),
        Mask: tensor(mask, [queries, keys]),
        Scale: tensor(Float32Array.of(scale), [1]),
      });
    },
  };
}
