import { headSize, type LlamaConfig, ropeAngles } from '@lowbit/models';
import type { GraphBuilder } from './graph-builder';

/** Added to the scores of future positions, as lowbit's decoder does. */
const MASKED = -1e9;

/** Graph values every decoder layer shares: RoPE cos/sin [T, 1, S/2, 1] and the causal mask [T, T]. */
export interface DecoderContext {
  cos: string;
  sin: string;
  mask: string;
}

/** RoPE tables sliced to the input's length, and the additive causal mask. */
export function decoderContext(graph: GraphBuilder, config: LlamaConfig, inputIds: string): DecoderContext {
  const size = headSize(config);
  // llama2.c's angles: p · theta^(−2i / S) for positions p < seqLen and pairs i < S/2.
  const tables = ropeAngles(config.seqLen, size, config.ropeTheta);
  const length = graph.op('Shape', [inputIds], { start: 1, end: 2 });
  const firstRows = (table: string) => graph.op('Slice', [table, graph.int64([0]), length, graph.int64([0])]);
  const dims = [config.seqLen, 1, size / 2, 1];
  const positions = graph.op('Range', [
    graph.int64([0], true),
    graph.op('Squeeze', [length, graph.int64([0])]),
    graph.int64([1], true),
  ]);
  const future = graph.op('Greater', [
    graph.op('Unsqueeze', [positions, graph.int64([0])]),
    graph.op('Unsqueeze', [positions, graph.int64([1])]),
  ]);
  return {
    cos: firstRows(graph.initializer('rope.cos', dims, tables.cos)),
    sin: firstRows(graph.initializer('rope.sin', dims, tables.sin)),
    mask: graph.op('Where', [future, graph.float(MASKED), graph.float(0)]),
  };
}

/** RMSNorm over the last axis, in the Pow/ReduceMean/Add/Sqrt/Div/Mul form onnxruntime fuses. */
export function rmsNorm(
  graph: GraphBuilder,
  x: string,
  weight: Float32Array,
  name: string,
  eps: number,
): string {
  const meanSquare = graph.op('ReduceMean', [graph.op('Pow', [x, graph.float(2)])], {
    axes: [-1],
    keepdims: 1,
  });
  const rms = graph.op('Sqrt', [graph.op('Add', [meanSquare, graph.float(eps)])]);
  return graph.op('Mul', [graph.op('Div', [x, rms]), graph.initializer(name, [weight.length], weight)]);
}

/**
 * llama2.c's RoPE on x [B, T, heads·S]: each interleaved pair (x[2i], x[2i+1]) of a head is
 * rotated by its position's angle. Returns [B, T, heads, S].
 */
export function rotary(
  graph: GraphBuilder,
  x: string,
  heads: number,
  size: number,
  context: DecoderContext,
): string {
  const pairs = graph.op('Reshape', [x, graph.int64([0, 0, heads, size / 2, 2])]);
  const [even, odd] = graph.node('Split', [pairs], { attributes: { axis: 4 }, outputs: 2 });
  const { cos, sin } = context;
  const mul = (a: string, b: string) => graph.op('Mul', [a, b]);
  const rotatedEven = graph.op('Sub', [mul(even, cos), mul(odd, sin)]);
  const rotatedOdd = graph.op('Add', [mul(even, sin), mul(odd, cos)]);
  const rotated = graph.op('Concat', [rotatedEven, rotatedOdd], { axis: 4 });
  return graph.op('Reshape', [rotated, graph.int64([0, 0, heads, size])]);
}

/**
 * Causal grouped-query attention: q [B, T, H, S], k [B, T, KV, S], v [B, T, KV·S] → [B, T, H·S].
 * Query head h reads key/value head ⌊h / G⌋ (G = H / KV): queries are viewed as [B, KV, G, T, S].
 */
export function causalAttention(
  graph: GraphBuilder,
  q: string,
  k: string,
  v: string,
  config: LlamaConfig,
  context: DecoderContext,
): string {
  const { nHeads, nKvHeads, dim } = config;
  const size = headSize(config);
  const transpose = (x: string, perm: number[]) => graph.op('Transpose', [x], { perm });
  const unsqueeze = (x: string, axis: number) => graph.op('Unsqueeze', [x, graph.int64([axis])]);
  const queries = graph.op('Reshape', [
    transpose(q, [0, 2, 1, 3]),
    graph.int64([0, nKvHeads, nHeads / nKvHeads, -1, size]),
  ]);
  const keys = unsqueeze(transpose(k, [0, 2, 3, 1]), 2);
  const values = unsqueeze(
    transpose(graph.op('Reshape', [v, graph.int64([0, 0, nKvHeads, size])]), [0, 2, 1, 3]),
    2,
  );
  const scores = graph.op('Mul', [graph.op('MatMul', [queries, keys]), graph.float(1 / Math.sqrt(size))]);
  const weights = graph.op('Softmax', [graph.op('Add', [scores, context.mask])], { axis: -1 });
  const heads = graph.op('Reshape', [
    graph.op('MatMul', [weights, values]),
    graph.int64([0, nHeads, -1, size]),
  ]);
  return graph.op('Reshape', [transpose(heads, [0, 2, 1, 3]), graph.int64([0, 0, dim])]);
}
