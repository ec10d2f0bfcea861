import { LowbitError } from './errors';
import type { QuantTarget, TargetKind } from './model';
import { QuantizedTensor } from './quantized-tensor';
import { tf } from './tf';
import { assertFinite } from './validate';

/**
 * A QuantTarget whose weight lives in a Float32Array outside tfjs, so a model's weights do not
 * occupy the (never shrinking) wasm heap; tensors are made on demand, one block at a time.
 */
export class ArrayTarget implements QuantTarget {
  readonly name: string;
  readonly kind: TargetKind;
  readonly shape: readonly number[];
  private data: Float32Array;
  private quantizedWeight: QuantizedTensor | undefined;

  constructor(name: string, kind: TargetKind, shape: readonly number[], data: Float32Array) {
    this.name = name;
    this.kind = kind;
    this.shape = shape.slice();
    this.data = data;
  }

  get quantized(): QuantizedTensor | undefined {
    return this.quantizedWeight;
  }

  /** The current float values (shared, not copied: do not mutate). */
  get values(): Float32Array {
    return this.data;
  }

  weight(): tf.Tensor {
    return tf.tensor(this.data, this.shape as number[]);
  }

  setWeight(weight: tf.Tensor | QuantizedTensor): void {
    const size = this.shape.reduce((a, b) => a * b, 1);
    const incoming = weight instanceof QuantizedTensor ? weight.codes.length : weight.size;
    if (incoming !== size) {
      throw new LowbitError(
        'BAD_TENSOR',
        `Weight for "${this.name}" has ${incoming} elements but the target [${this.shape}] needs ${size}; pass a weight of the target's shape.`,
      );
    }
    if (weight instanceof QuantizedTensor) {
      const dequantized = weight.dequantize();
      this.data = dequantized.dataSync() as Float32Array;
      dequantized.dispose();
      this.quantizedWeight = weight;
      return;
    }
    assertFinite(weight, this.name);
    this.data = Float32Array.from(weight.dataSync());
    this.quantizedWeight = undefined;
  }
}
