import { LowbitError, type TargetKind, type tf } from '@lowbit/core-tensor';
import type { OnnxNode } from '../graph';
import type { OnnxTensor } from '../tensor';

/** What an op kernel sees while the graph runs. */
export interface OpContext {
  readonly node: OnnxNode;
  readonly opset: number;
  /** Input i as a float tensor (activation, initializer or current weight); undefined when omitted. */
  input(i: number): tf.Tensor | undefined;
  /** Input i as a float tensor; BAD_FILE when omitted. */
  required(i: number): tf.Tensor;
  /** The load-time value of input i (an initializer or a Constant's output); see constantInputs. */
  constant(i: number): OnnxTensor;
  /** Shows x (the input of this node's weight target) to the capture callback, which may replace it. */
  capture(x: tf.Tensor): tf.Tensor;
}

/** How a node's weight input (input 1) maps to a target: its kind and layout. */
export interface WeightUse {
  readonly kind: TargetKind;
  /** The ONNX tensor is the transpose of the target's [out, in] (MatMul, Gemm with transB=0). */
  readonly transposed: boolean;
  /** The node's op without bias on its (captured) input, with a weight in the target's layout. */
  readonly apply: (input: tf.Tensor, weight: tf.Tensor) => tf.Tensor;
  /** What input 2 is multiplied by (Gemm's beta); absent: 1. */
  readonly biasScale?: number;
}

interface OpBase {
  /** Attributes the kernel understands; a node setting any other is unsupported. */
  readonly attributes: readonly string[];
  /** Inputs that must be load-time constants (e.g. Reshape's shape). */
  readonly constantInputs?: readonly number[];
  /** Load-time check of attribute values lowbit cannot run (throws UNSUPPORTED_OP). */
  check?(node: OnnxNode, opset: number): void;
  /** Whether input 1, a float initializer of these dims, is a quantizable weight. */
  weight?(node: OnnxNode, dims: readonly number[]): WeightUse | undefined;
}

/** An op computed at run time (single output, NCHW semantics). */
export interface KernelSpec extends OpBase {
  run(ctx: OpContext): tf.Tensor;
}

/** A constant op, evaluated once at load. */
export interface FoldSpec extends OpBase {
  fold(node: OnnxNode): OnnxTensor;
}

/** How lowbit handles one ONNX op type. */
export type OpSpec = KernelSpec | FoldSpec;

/** UNSUPPORTED_OP naming the node, for a feature of an otherwise supported op. */
export function unsupported(node: OnnxNode, what: string): LowbitError {
  return new LowbitError(
    'UNSUPPORTED_OP',
    `${node.opType} node "${node.name}": ${what} is not supported by lowbit.`,
    {
      opType: node.opType,
      node: node.name,
    },
  );
}
