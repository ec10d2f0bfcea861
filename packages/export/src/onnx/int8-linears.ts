import type { ArrayTarget } from '@lowbit/core-tensor';
import type { GraphBuilder } from './graph-builder';
import { int8Weight } from './int8-weight';
import type { ActivationQParams } from './static-activations';

/** The weight Wᵀ [in, out] as an int8/uint8 initializer; scales and zero points as initializers. */
function weightInputs(graph: GraphBuilder, target: ArrayTarget, name: string) {
  const [out, inputs] = target.shape;
  const w = int8Weight(target.quantized!, target.name);
  return {
    codes: graph.initializer(`${name}.weight_quantized`, [inputs, out], w.codes),
    scales: graph.initializer(`${name}.weight_scale`, [out], w.scales),
    zeroPoints: w.zeroPoints && graph.initializer(`${name}.weight_zero_point`, [out], w.zeroPoints),
  };
}

/**
 * Static QDQ: x → QuantizeLinear → DequantizeLinear (per-tensor qparams) → MatMul with
 * DequantizeLinear(Wᵀ) per output channel (axis 1).
 */
export function qdqLinear(
  graph: GraphBuilder,
  x: string,
  target: ArrayTarget,
  name: string,
  activation: ActivationQParams,
  signed: boolean,
): string {
  const scale = graph.initializer(`${name}.input_scale`, [], Float32Array.of(activation.scale));
  const zero = graph.initializer(
    `${name}.input_zero_point`,
    [],
    signed ? Int8Array.of(activation.zeroPoint) : Uint8Array.of(activation.zeroPoint),
  );
  const quantized = graph.op('QuantizeLinear', [x, scale, zero]);
  const input = graph.op('DequantizeLinear', [quantized, scale, zero]);
  const w = weightInputs(graph, target, name);
  const weight = graph.op('DequantizeLinear', [w.codes, w.scales, ...(w.zeroPoints ? [w.zeroPoints] : [])], {
    axis: 1,
  });
  return graph.node('MatMul', [input, weight], { name: `${name}/MatMul` })[0];
}

/**
 * Dynamic W8A8 as onnxruntime runs it: DynamicQuantizeLinear (uint8, one min/max range per input
 * tensor) → MatMulInteger with int8 Wᵀ → Cast → Mul by the input scale and the per-channel weight scales.
 */
export function dynamicLinear(graph: GraphBuilder, x: string, target: ArrayTarget, name: string): string {
  const [quantized, scale, zero] = graph.node('DynamicQuantizeLinear', [x], { outputs: 3 });
  const w = weightInputs(graph, target, name);
  const product = graph.node(
    'MatMulInteger',
    [quantized, w.codes, zero, ...(w.zeroPoints ? [w.zeroPoints] : [])],
    { name: `${name}/MatMulInteger` },
  )[0];
  const real = graph.op('Cast', [product], { to: 1 });
  return graph.op('Mul', [graph.op('Mul', [real, scale]), w.scales]);
}
