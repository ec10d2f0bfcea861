import { onnx } from '@lowbit/models';
import type { QdqActivation } from './activation-qdq';
import type { NameScope } from './names';
import { floatTensor, qdqTensor } from './qdq-type';
import type { QdqWeight } from './weight-qdq';

const { AttributeType } = onnx.AttributeProto;

/** Nodes and initializers that compute one value. */
export interface QdqFragment {
  /** The value that replaces the original (weight or activation) input. */
  output: string;
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
}

/** The integer initializer of a weight with its scale and zero point, and the DequantizeLinear that reads them. */
export function weightDequantize(weight: QdqWeight, names: NameScope): QdqFragment {
  const { name, type, dims, codes, scale, zeroPoint, axis } = weight;
  const paramDims = axis === undefined ? [] : [scale.length];
  const initializers = [
    qdqTensor(names.fresh(`${name}_quantized`), type, dims, codes),
    floatTensor(names.fresh(`${name}_scale`), paramDims, scale),
    qdqTensor(names.fresh(`${name}_zero_point`), type, paramDims, zeroPoint),
  ];
  const output = names.fresh(`${name}_DequantizeLinear_Output`);
  const node: onnx.INodeProto = {
    name: names.fresh(`${name}_DequantizeLinear`),
    opType: 'DequantizeLinear',
    input: initializers.map((t) => t.name ?? ''),
    output: [output],
    attribute: axis === undefined ? [] : [{ name: 'axis', type: AttributeType.INT, i: axis }],
  };
  return { output, nodes: [node], initializers };
}

function clipNode(
  input: string,
  bounds: { min: number; max: number },
  names: NameScope,
  opset: number,
): QdqFragment {
  const output = names.fresh(`${input}_Clip_Output`);
  const name = names.fresh(`${input}_Clip`);
  if (opset < 11) {
    const attribute = [
      { name: 'min', type: AttributeType.FLOAT, f: bounds.min },
      { name: 'max', type: AttributeType.FLOAT, f: bounds.max },
    ];
    return {
      output,
      nodes: [{ name, opType: 'Clip', input: [input], output: [output], attribute }],
      initializers: [],
    };
  }
  const initializers = [
    floatTensor(names.fresh(`${name}_min`), [], [bounds.min]),
    floatTensor(names.fresh(`${name}_max`), [], [bounds.max]),
  ];
  const inputs = [input, ...initializers.map((t) => t.name ?? '')];
  return { output, nodes: [{ name, opType: 'Clip', input: inputs, output: [output] }], initializers };
}

/**
 * QuantizeLinear → DequantizeLinear of an activation with per-tensor qparams, followed by a Clip to
 * the plan's code range when it is narrower than the integer type's.
 */
export function activationQdq(
  value: string,
  qdq: QdqActivation,
  names: NameScope,
  opset: number,
): QdqFragment {
  const scale = names.fresh(`${value}_scale`);
  const zeroPoint = names.fresh(`${value}_zero_point`);
  const quantized = names.fresh(`${value}_QuantizeLinear_Output`);
  const output = names.fresh(`${value}_DequantizeLinear_Output`);
  const initializers = [
    floatTensor(scale, [], [qdq.scale]),
    qdqTensor(zeroPoint, qdq.type, [], [qdq.zeroPoint]),
  ];
  const nodes: onnx.INodeProto[] = [
    {
      name: names.fresh(`${value}_QuantizeLinear`),
      opType: 'QuantizeLinear',
      input: [value, scale, zeroPoint],
      output: [quantized],
    },
    {
      name: names.fresh(`${value}_DequantizeLinear`),
      opType: 'DequantizeLinear',
      input: [quantized, scale, zeroPoint],
      output: [output],
    },
  ];
  if (!qdq.clip) return { output, nodes, initializers };
  const clip = clipNode(output, qdq.clip, names, opset);
  return {
    output: clip.output,
    nodes: [...nodes, ...clip.nodes],
    initializers: [...initializers, ...clip.initializers],
  };
}
