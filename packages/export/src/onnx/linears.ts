import { type ArrayTarget, LowbitError } from '@lowbit/core-tensor';
import type { GraphBuilder } from './graph-builder';
import { dynamicLinear, qdqLinear } from './int8-linears';
import { matMulNBitsWeights } from './matmul-nbits';
import { MS_DOMAIN } from './serialize';
import type { ActivationTable } from './static-activations';

export type AccuracyLevel = 0 | 1 | 2 | 3 | 4;

/** MatMulNBits for every quantized linear. */
export interface NBitsLinears {
  kind: 'nbits';
  accuracyLevel: AccuracyLevel;
  blockSize?: number;
}

/**
 * How linears are written: float MatMul everywhere; MatMulNBits where quantized; static QDQ where
 * the activation table has the target; dynamic int8 where quantized. Other linears stay float MatMul.
 */
export type LinearOptions =
  | { kind: 'float' }
  | NBitsLinears
  | { kind: 'qdq'; activations: ActivationTable }
  | { kind: 'dynamic' };

/** Wᵀ of a row-major [out, in] weight, as [in, out]. */
function transpose(w: Float32Array, out: number, inputs: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inputs; i++) t[i * out + o] = w[o * inputs + i];
  return t;
}

function floatLinear(graph: GraphBuilder, x: string, target: ArrayTarget, name: string): string {
  const [out, inputs] = target.shape;
  const weight = graph.initializer(`${name}.weight_t`, [inputs, out], transpose(target.values, out, inputs));
  return graph.node('MatMul', [x, weight], { name: `${name}/MatMul` })[0];
}

function quantizedLinear(
  graph: GraphBuilder,
  x: string,
  target: ArrayTarget,
  name: string,
  options: NBitsLinears,
) {
  const q = target.quantized!;
  if (q.shape.join() !== target.shape.join()) {
    throw new LowbitError(
      'BAD_ARGS',
      `${target.name}: quantized as [${q.shape}], not as the [out, in] = [${target.shape}] weight; MatMulNBits needs the 2-D weight (int RTN/GPTQ layouts).`,
    );
  }
  const w = matMulNBitsWeights(q, target.name, options.blockSize);
  const input = w.inputOrder
    ? graph.op(
        'Gather',
        [x, graph.initializer(`${name}.input_order`, [w.K], BigInt64Array.from(w.inputOrder, BigInt))],
        {
          axis: -1,
        },
      )
    : x;
  const blocks = Math.ceil(w.K / w.blockSize);
  const inputs = [
    input,
    graph.initializer(`${name}.B`, [w.N, blocks, (w.blockSize * w.bits) / 8], w.B),
    graph.initializer(`${name}.scales`, [w.N, blocks], w.scales),
  ];
  if (w.zeroPoints)
    inputs.push(graph.initializer(`${name}.zero_points`, [w.N, w.zeroPoints.length / w.N], w.zeroPoints));
  const attributes = {
    K: w.K,
    N: w.N,
    bits: w.bits,
    block_size: w.blockSize,
    accuracy_level: options.accuracyLevel,
  };
  return graph.node('MatMulNBits', inputs, { name: `${name}/MatMulNBits`, domain: MS_DOMAIN, attributes })[0];
}

/** Whether {@link linear} writes `target` as a quantized linear under `options`. */
export function writesQuantized(target: ArrayTarget, options: LinearOptions): boolean {
  if (options.kind === 'float' || !target.quantized) return false;
  return options.kind !== 'qdq' || options.activations.qparams.has(target.name);
}

/** x [..., in] · Wᵀ → [..., out], as `options` asks for this target. `name`: HF module name. */
export function linear(
  graph: GraphBuilder,
  x: string,
  target: ArrayTarget,
  name: string,
  options: LinearOptions,
): string {
  if (!writesQuantized(target, options)) return floatLinear(graph, x, target, name);
  switch (options.kind) {
    case 'nbits':
      return quantizedLinear(graph, x, target, name, options);
    case 'qdq': {
      const { signed, qparams } = options.activations;
      return qdqLinear(graph, x, target, name, qparams.get(target.name)!, signed);
    }
    default:
      return dynamicLinear(graph, x, target, name);
  }
}
