import { ArrayTarget, type BiasAccess, LowbitError, type TargetKind, type tf } from '@lowbit/core-tensor';

/** Where a target's bias lives in the graph: the node's input 2, and Gemm's beta. */
export interface BiasSlot {
  /** The node that reads the weight (and the bias as its input 2). */
  readonly node: string;
  /** The bias initializer's name; absent when the node has no bias yet (one is added on write). */
  readonly initializer: string | undefined;
  readonly dims: readonly number[];
  /** Gemm's beta: the graph computes beta · C. */
  readonly scale: number;
}

/**
 * A Conv / Gemm / MatMul weight of an ONNX graph: an ArrayTarget with the node's op (for
 * layer-wise reconstruction) and, when the node can carry one, its bias.
 */
export class OnnxTarget extends ArrayTarget {
  readonly bias: BiasAccess | undefined;
  /** Set by the graph when a Relu is the only reader of the node's output. */
  activation: 'relu' | undefined;
  private biasValues: Float32Array | undefined;

  constructor(
    name: string,
    kind: TargetKind,
    shape: readonly number[],
    data: Float32Array,
    private readonly op: (input: tf.Tensor, weight: tf.Tensor) => tf.Tensor,
    readonly biasSlot: BiasSlot | undefined,
    initialBias: Float32Array | undefined,
  ) {
    super(name, kind, shape, data);
    this.biasValues = initialBias?.slice();
    this.bias = biasSlot ? { read: () => this.readBias(), write: (v) => this.writeBias(v) } : undefined;
  }

  apply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return this.op(input, weight);
  }

  /** The bias the graph adds (scale · C), or undefined when the node has none. */
  get currentBias(): Float32Array | undefined {
    return this.biasValues;
  }

  private readBias(): Float32Array {
    return this.biasValues?.slice() ?? new Float32Array(this.shape[0]);
  }

  private writeBias(values: Float32Array): void {
    if (values.length !== this.shape[0] || values.some((v) => !Number.isFinite(v))) {
      throw new LowbitError(
        'BAD_TENSOR',
        `The bias of "${this.name}" needs ${this.shape[0]} finite values (one per output channel); got ${values.length}${values.some((v) => !Number.isFinite(v)) ? ' with NaN/Inf' : ''}.`,
      );
    }
    this.biasValues = Float32Array.from(values);
  }
}
