import { LowbitError } from './errors';
import type { QuantTarget, TargetKind } from './model';
import { QuantizedTensor } from './quantized-tensor';
import { tf } from './tf';
import { assertFinite } from './validate';

/**
 * A QuantTarget whose weight lives in a Float32Array outside tfjs, so a model's weights do not
 * occupy the (never shrinking) wasm heap; tensors are made on demand, one block at a time. Once
 * quantized it keeps only the QuantizedTensor and dequantizes when asked, so a quantized model
 * never holds a second float copy of its weights.
 */
export class ArrayTarget implements QuantTarget {
  readonly name: string;
  readonly kind: TargetKind;
  readonly shape: readonly number[];
  private data: Float32Array | undefined;
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

  /** The current float values: the stored array (shared: do not mutate), or a dequantized copy. */
  get values(): Float32Array {
    if (this.data) return this.data;
    const dequantized = this.quantizedWeight!.dequantize();
    const values = dequantized.dataSync() as Float32Array;
    dequantized.dispose();
    return values;
  }

  weight(): tf.Tensor {
    if (this.data) return tf.tensor(this.data, this.shape as number[]);
    return tf.tidy(() => tf.reshape(this.quantizedWeight!.dequantize(), this.shape as number[]));
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
      this.data = undefined;
      this.quantizedWeight = weight;
      return;
    }
    assertFinite(weight, this.name);
    this.data = Float32Array.from(weight.dataSync());
    this.quantizedWeight = undefined;
  }
}
