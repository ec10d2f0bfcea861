import { onnx } from '@lowbit/models';

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

export type ElementType = 'float' | 'int64' | 'int32' | 'uint8' | 'int8';

export const DATA_TYPE: Record<ElementType, number> = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
};

/** An attribute value: an int, a list of ints, or a float. */
export type AttributeValue = number | readonly number[] | { float: number };

/** A constant tensor of the graph, its values as little-endian bytes. */
export interface Initializer {
  name: string;
  type: ElementType;
  dims: readonly number[];
  bytes: Uint8Array;
}

/** A dimension: a fixed size or a symbolic name such as "batch". */
export type Dimension = number | string;

export interface NodeOptions {
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
  /** Number of outputs, or their names (default: one output named after the node). */
  outputs?: number | readonly string[];
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: value.slice() };
}

function valueInfo(name: string, type: ElementType, dims: readonly Dimension[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[type], shape: { dim } } } };
}

/** The typed arrays initializers are made of. */
export type InitializerValues = Float32Array | Int32Array | Uint8Array | Int8Array | BigInt64Array;

function bytesOf(values: InitializerValues): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Collects the nodes, initializers and typed inputs/outputs of one ONNX graph. */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly constants = new Set<string>();
  private count = 0;

  input(name: string, type: ElementType, dims: readonly Dimension[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: readonly Dimension[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(name: string, dims: readonly number[], values: InitializerValues): string {
    const type: ElementType =
      values instanceof Float32Array
        ? 'float'
        : values instanceof Int32Array
          ? 'int32'
          : values instanceof BigInt64Array
            ? 'int64'
            : values instanceof Int8Array
              ? 'int8'
              : 'uint8';
    this.initializers.push({ name, type, dims: dims.slice(), bytes: bytesOf(values) });
    return name;
  }

  /** A shared int64 constant (shapes, axes, indices), 1-D unless `scalar`. */
  int64(values: readonly number[], scalar = false): string {
    const name = `const_i64${scalar ? '_scalar' : ''}_${values.join('_')}`;
    return this.shared(name, scalar ? [] : [values.length], BigInt64Array.from(values, BigInt));
  }

  /** A shared float scalar constant. */
  float(value: number): string {
    return this.shared(`const_f32_${value}`, [], Float32Array.of(value));
  }

  /** Adds a node and returns its output names. */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const name = options.name ?? `${opType}_${this.count}`;
    this.count++;
    const { outputs = 1 } = options;
    const output =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => `${name}/output_${i}`)
        : outputs.slice();
    const attributes = Object.entries(options.attributes ?? {}).map(([k, v]) => attribute(k, v));
    this.nodes.push({
      name,
      opType,
      domain: options.domain ?? '',
      input: inputs.slice(),
      output,
      attribute: attributes,
    });
    return output;
  }

  /** Adds a single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>): string {
    return this.node(opType, inputs, { attributes })[0];
  }

  private shared(name: string, dims: readonly number[], values: Float32Array | BigInt64Array): string {
    if (!this.constants.has(name)) {
      this.initializer(name, dims, values);
      this.constants.add(name);
    }
    return name;
  }
}
