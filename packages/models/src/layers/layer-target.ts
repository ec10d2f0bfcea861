import {
  assertFinite,
  LowbitError,
  QuantizedTensor,
  type QuantTarget,
  type TargetKind,
  tf,
} from '@lowbit/core-tensor';
import type { KernelLayout } from './kernel-layouts';

/** A QuantTarget backed by a tfjs layer's kernel variable, seen in lowbit's layout. */
export class LayerKernelTarget implements QuantTarget {
  readonly name: string;
  readonly kind: TargetKind;
  readonly shape: readonly number[];
  private quantizedWeight: QuantizedTensor | undefined;

  constructor(
    private readonly kernel: tf.LayerVariable,
    private readonly layout: KernelLayout,
  ) {
    this.name = kernel.originalName;
    this.kind = layout.kind;
    this.shape = tf.tidy(() => layout.toTarget(kernel.read()).shape);
  }

  get quantized(): QuantizedTensor | undefined {
    return this.quantizedWeight;
  }

  weight(): tf.Tensor {
    return tf.tidy(() => this.layout.toTarget(this.kernel.read()));
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
