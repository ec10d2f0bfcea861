import { ArrayTarget, type BiasAccess, type TargetKind, tf } from '@lowbit/core-tensor';

/** A linear layer's op without bias: [N, in] · Wᵀ → [N, out] (explicit transpose: fast on wasm). */
export function linearApply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.matMul(input as tf.Tensor2D, tf.transpose(weight) as tf.Tensor2D));
}

/** A 'valid' stride-1 conv without bias: NCHW input, [out, in, kh, kw] weight → NCHW output. */
export function conv2dApply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
    const w = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
    return tf.transpose(tf.conv2d(x, w, 1, 'valid'), [0, 3, 1, 2]);
  });
}

/** An ArrayTarget with a bias and its layer op, as the model adapters provide them. */
export class LayerTarget extends ArrayTarget {
  readonly bias: BiasAccess;
  /** Set by a test when a ReLU follows the layer (the synthetic model applies it either way). */
  activation: 'relu' | undefined;
  private biasValues: Float32Array;

  constructor(
    name: string,
    kind: TargetKind,
    shape: readonly number[],
    data: Float32Array,
    bias: Float32Array,
  ) {
    super(name, kind, shape, data);
    this.biasValues = bias;
    this.bias = {
      read: () => this.biasValues.slice(),
      write: (values) => {
        this.biasValues = values.slice();
      },
    };
  }

  apply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return this.kind === 'linear' ? linearApply(input, weight) : conv2dApply(input, weight);
  }

  /** The layer with its bias: op(input) + b over the output channels. */
  run(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const out = this.apply(input, this.weight());
      const shape = this.kind === 'linear' ? [1, -1] : [1, -1, 1, 1];
      return tf.add(out, tf.reshape(tf.tensor1d(this.biasValues), shape));
    });
  }
}
