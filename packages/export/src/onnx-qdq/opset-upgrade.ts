import { LowbitError } from '@lowbit/core-tensor';
import { onnx } from '@lowbit/models';
import type { NameScope } from './names';
import { QDQ_OPSET } from './opset';
import { floatTensor } from './qdq-type';

const { AttributeType } = onnx.AttributeProto;

/** The nodes (and new constants) that keep one node's meaning at the raised opset. */
interface Upgraded {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
}

interface UpgradeContext {
  from: number;
  to: number;
  names: NameScope;
  /** The op type that produces each value. */
  producers: ReadonlyMap<string, string>;
}

type Rule = (node: onnx.INodeProto, context: UpgradeContext) => Upgraded;

const same: Rule = (node) => ({ nodes: [node], initializers: [] });

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function withoutAttributes(node: onnx.INodeProto, names: readonly string[]): onnx.INodeProto {
  return { ...node, attribute: (node.attribute ?? []).filter((a) => !names.includes(a.name ?? '')) };
}

function intAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

/**
 * Softmax / LogSoftmax before opset 13 flatten the input to 2-D at `axis` (default 1) and normalize
 * each row; from 13 they normalize along `axis` (default −1) alone. A 2-D input (from Gemm or
 * Flatten) with axis 1 only needs the axis written out; anything else becomes Flatten → op(axis 1)
 * → Reshape to the input's shape, which is the old definition.
 */
const softmax: Rule = (node, { from, to, names, producers }) => {
  if (from >= 13 || to < 13) return same(node, { from, to, names, producers });
  const axis = Number(attribute(node, 'axis')?.i ?? 1);
  const [input] = node.input ?? [];
  const rank2 = ['Gemm', 'Flatten'].includes(producers.get(input) ?? '');
  if (rank2 && (axis === 1 || axis === -1)) {
    const kept = withoutAttributes(node, ['axis']);
    return {
      nodes: [{ ...kept, attribute: [...(kept.attribute ?? []), intAttribute('axis', 1)] }],
      initializers: [],
    };
  }
  const base = node.name || node.opType || 'softmax';
  const shape = names.fresh(`${base}_input_shape`);
  const rows = names.fresh(`${base}_rows`);
  const normalized = names.fresh(`${base}_rows_normalized`);
  const nodes: onnx.INodeProto[] = [
    { name: names.fresh(`${base}_Shape`), opType: 'Shape', input: [input], output: [shape] },
    {
      name: names.fresh(`${base}_Flatten`),
      opType: 'Flatten',
      input: [input],
      output: [rows],
      attribute: [intAttribute('axis', axis)],
    },
    { ...node, input: [rows], output: [normalized], attribute: [intAttribute('axis', 1)] },
    {
      name: names.fresh(`${base}_Reshape`),
      opType: 'Reshape',
      input: [normalized, shape],
      output: node.output,
    },
  ];
  return { nodes, initializers: [] };
};

/** Clip's min/max are attributes before opset 11 and optional inputs from 11. */
const clip: Rule = (node, { from, to, names }) => {
  if (from >= 11 || to < 11) return { nodes: [node], initializers: [] };
  const base = node.name || 'Clip';
  const initializers: onnx.ITensorProto[] = [];
  const bound = (key: 'min' | 'max') => {
    const a = attribute(node, key);
    if (!a) return '';
    const name = names.fresh(`${base}_${key}`);
    initializers.push(floatTensor(name, [], [a.f ?? 0]));
    return name;
  };
  const input = [(node.input ?? [])[0], bound('min'), bound('max')];
  while (input[input.length - 1] === '') input.pop();
  return { nodes: [{ ...withoutAttributes(node, ['min', 'max']), input }], initializers };
};

/** Dropout at inference is the identity; its attributes and inputs changed at opset 12. */
const dropout: Rule = (node, { from, to }) => {
  if (from >= 12 || to < 12) return { nodes: [node], initializers: [] };
  const output = (node.output ?? []).slice(0, 1);
  return {
    nodes: [{ name: node.name, opType: 'Identity', input: [(node.input ?? [])[0]], output }],
    initializers: [],
  };
};

/** Op types whose inference semantics (with the attributes lowbit imports) are unchanged from the given opset through 21. */
const STABLE_SINCE: Readonly<Record<string, number>> = {
  Add: 7,
  AveragePool: 7,
  BatchNormalization: 9,
  Constant: 1,
  Conv: 1,
  Flatten: 1,
  Gemm: 7,
  GlobalAveragePool: 1,
  Identity: 1,
  MatMul: 1,
  MaxPool: 1,
  Mul: 7,
  Relu: 6,
  Reshape: 5,
};

const SPECIAL: Readonly<Record<string, { since: number; rule: Rule }>> = {
  Softmax: { since: 1, rule: softmax },
  LogSoftmax: { since: 1, rule: softmax },
  Clip: { since: 6, rule: clip },
  Dropout: { since: 7, rule: dropout },
};

function ruleFor(node: onnx.INodeProto, from: number, to: number): Rule {
  const opType = node.opType ?? '';
  const special = SPECIAL[opType];
  const since = special?.since ?? STABLE_SINCE[opType];
  const defaultDomain = !node.domain || node.domain === 'ai.onnx';
  if (!defaultDomain || since === undefined || from < since) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `Exporting QDQ raises the model from opset ${from} to ${to}, and lowbit has not checked that ${node.domain ? `${node.domain}.` : ''}${opType} (node "${node.name}") keeps its meaning across that change; re-export the float model at opset ≥ ${to} first${from >= QDQ_OPSET ? `, or quantize per tensor with 8-bit codes and activations to stay at opset ${from}` : ''}.`,
      { opType, node: node.name ?? '' },
    );
  }
  return special?.rule ?? same;
}

/**
 * The graph's nodes rewritten for opset `to` (from `from`): ops whose meaning changed get their old
 * behaviour spelled out; ops lowbit has not checked are UNSUPPORTED_OP.
 */
export function upgradeNodes(
  nodes: readonly onnx.INodeProto[],
  from: number,
  to: number,
  names: NameScope,
): Upgraded {
  if (to <= from) return { nodes: nodes.slice(), initializers: [] };
  const producers = new Map<string, string>();
  for (const node of nodes) for (const output of node.output ?? []) producers.set(output, node.opType ?? '');
  const context = { from, to, names, producers };
  const result: Upgraded = { nodes: [], initializers: [] };
  for (const node of nodes) {
    const upgraded = ruleFor(node, from, to)(node, context);
    result.nodes.push(...upgraded.nodes);
    result.initializers.push(...upgraded.initializers);
  }
  return result;
}
