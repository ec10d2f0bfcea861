import {
  assertFinite,
  type BiasAccess,
  LowbitError,
  QuantizedTensor,
  type QuantTarget,
  type TargetKind,
  tf,
} from '@lowbit/core-tensor';
import type { KernelLayout } from './kernel-layouts';
import { isChannelsLast, kernelOp } from './layer-op';

const toNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]);
const toNchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);

/** A QuantTarget backed by a tfjs layer's kernel variable, seen in lowbit's layout. */
export class LayerKernelTarget implements QuantTarget {
  readonly name: string;
  readonly kind: TargetKind;
  readonly shape: readonly number[];
  readonly bias: BiasAccess | undefined;
  /** Set by the model: the ReLU right after this layer (its own activation or the next layer), if any. */
  activationOf: () => 'relu' | undefined = () => undefined;
  private quantizedWeight: QuantizedTensor | undefined;
  private readonly op: (x: tf.Tensor, kernel: tf.Tensor) => tf.Tensor;

  constructor(
    readonly layer: tf.layers.Layer,
    private readonly kernel: tf.LayerVariable,
    private readonly layout: KernelLayout,
  ) {
    this.name = kernel.originalName;
    this.kind = layout.kind;
    this.shape = tf.tidy(() => layout.toTarget(kernel.read()).shape);
    this.op = kernelOp(layer);
    const biasVariable = layer.weights.find((w) => w.originalName.endsWith('/bias'));
    this.bias = biasVariable && {
      read: () => biasVariable.read().dataSync() as Float32Array,
      write: (values) => this.writeBias(biasVariable, values),
    };
  }

  get activation(): 'relu' | undefined {
    return this.activationOf();
  }

  get quantized(): QuantizedTensor | undefined {
    return this.quantizedWeight;
  }

  weight(): tf.Tensor {
    return tf.tidy(() => this.layout.toTarget(this.kernel.read()));
  }

  /** The layer's op without bias on a captured input (conv NCHW → NCHW; Dense [N, in] → [N, out]). */
  apply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const kernel = this.layout.fromTarget(weight, this.kernel.shape as number[]);
      if (this.kind === 'linear') return this.op(input, kernel);
      return toNchw(this.op(toNhwc(input), kernel));
    });
  }

  /**
   * The layer's op with a given weight (target layout) and bias on the input in the layer's own
   * layout, without the activation (forward passes that substitute parameters).
   */
  applyOwnLayout(input: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    const kernel = this.layout.fromTarget(weight, this.kernel.shape as number[]);
    if (this.kind === 'linear' || isChannelsLast(this.layer)) {
      const y = this.op(input, kernel);
      return bias ? tf.add(y, bias) : y;
    }
    const y = this.op(toNhwc(input), kernel);
    return toNchw(bias ? tf.add(y, bias) : y);
  }

  setWeight(weight: tf.Tensor | QuantizedTensor): void {
    if (weight instanceof QuantizedTensor) {
      const dequantized = weight.dequantize();
      this.write(dequantized);
      dequantized.dispose();
      this.quantizedWeight = weight;
      return;
    }
    assertFinite(weight, this.name);
    this.write(weight);
    this.quantizedWeight = undefined;
  }

  private writeBias(variable: tf.LayerVariable, values: Float32Array): void {
    const size = this.shape[0];
    if (values.length !== size || values.some((v) => !Number.isFinite(v))) {
      throw new LowbitError(
        'BAD_TENSOR',
        `The bias of "${this.name}" needs ${size} finite values (one per output channel); got ${values.length}${values.some((v) => !Number.isFinite(v)) ? ' with NaN/Inf' : ''}.`,
      );
    }
    tf.tidy(() => {
      variable.write(tf.tensor1d(values));
    });
  }

  private write(weight: tf.Tensor): void {
    const size = this.shape.reduce((a, b) => a * b, 1);
    if (weight.size !== size) {
      throw new LowbitError(
        'BAD_TENSOR',
        `Weight for ${this.name} must have ${size} elements ([${this.shape}]); got [${weight.shape}].`,
      );
    }
    tf.tidy(() => {
      const target = tf.reshape(weight, this.shape as number[]);
      this.kernel.write(this.layout.fromTarget(target, this.kernel.shape as number[]));
    });
  }
}
