import { LowbitError } from '@lowbit/core-tensor';
import { onnx } from './onnx-proto';
import { decodeTensor, type OnnxTensor, toInt } from './tensor';

const { AttributeType } = onnx.AttributeProto;

export type OnnxAttributeValue = number | number[] | string | OnnxTensor;

function decodeValue(attribute: onnx.IAttributeProto): OnnxAttributeValue | undefined {
  switch (attribute.type) {
    case AttributeType.FLOAT:
      return attribute.f ?? 0;
    case AttributeType.INT:
      return toInt(attribute.i ?? 0);
    case AttributeType.STRING:
      return new TextDecoder().decode(attribute.s ?? new Uint8Array());
    case AttributeType.TENSOR:
      return attribute.t ? decodeTensor(attribute.t, attribute.name ?? '') : undefined;
    case AttributeType.FLOATS:
      return attribute.floats ?? [];
    case AttributeType.INTS:
      return (attribute.ints ?? []).map(toInt);
    default:
      return undefined; // graphs, sparse tensors, …: no supported op reads them
  }
}

/** A node's attributes with typed, defaulted getters; a value of the wrong type is BAD_FILE. */
export class OnnxAttributes {
  private readonly values = new Map<string, OnnxAttributeValue | undefined>();

  constructor(
    protos: readonly onnx.IAttributeProto[],
    private readonly where: string,
  ) {
    for (const attribute of protos) this.values.set(attribute.name ?? '', decodeValue(attribute));
  }

  /** The names of every attribute the node sets. */
  names(): string[] {
    return [...this.values.keys()];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  int(name: string, fallback: number): number {
    return this.get(
      name,
      fallback,
      (v) => typeof v === 'number' && Number.isInteger(v),
      'an integer',
    ) as number;
  }

  float(name: string, fallback: number): number {
    return this.get(name, fallback, (v) => typeof v === 'number', 'a float') as number;
  }

  ints(name: string, fallback: number[]): number[] {
    return this.get(name, fallback, (v) => Array.isArray(v), 'a list of integers') as number[];
  }

  floats(name: string, fallback: number[]): number[] {
    return this.get(name, fallback, (v) => Array.isArray(v), 'a list of floats') as number[];
  }

  string(name: string, fallback: string): string {
    return this.get(name, fallback, (v) => typeof v === 'string', 'a string') as string;
  }

  tensor(name: string): OnnxTensor | undefined {
    if (!this.values.has(name)) return undefined;
    return this.get(
      name,
      undefined,
      (v) => typeof v === 'object' && !Array.isArray(v),
      'a tensor',
    ) as OnnxTensor;
  }

  private get(
    name: string,
    fallback: OnnxAttributeValue | undefined,
    isValid: (v: OnnxAttributeValue | undefined) => boolean,
    expected: string,
  ): OnnxAttributeValue | undefined {
    if (!this.values.has(name)) return fallback;
    const value = this.values.get(name);
    if (!isValid(value)) {
      throw new LowbitError(
        'BAD_FILE',
        `${this.where}: attribute "${name}" must be ${expected}. Re-export the model.`,
      );
    }
    return value;
  }
}
