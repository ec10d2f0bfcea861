// A small CNN/MLP on plain tfjs ops whose targets implement bias, apply and ForwardOptions
// (parameter substitution, BN training mode), for the package's unit tests.
import {
  ArrayTarget,
  type BatchNormSite,
  type Block,
  type CaptureFn,
  type ForwardOptions,
  mulberry32,
  type QuantModel,
  tf,
} from '@lowbit/core-tensor';

export interface LayerSpec {
  name: string;
  kind: 'linear' | 'conv2d';
  /** linear [out, in]; conv2d [out, in, kh, kw] (stride 1, same padding). */
  shape: number[];
  weight?: Float32Array;
  bias?: Float32Array;
  batchNorm?: boolean;
  relu?: boolean;
}

class TinyTarget extends ArrayTarget {
  private biasValues: Float32Array;
  readonly bias = {
    read: () => this.biasValues.slice(),
    write: (values: Float32Array) => {
      this.biasValues = values.slice();
    },
  };

  constructor(spec: LayerSpec, weight: Float32Array) {
    super(spec.name, spec.kind, spec.shape, weight);
    this.biasValues = spec.bias?.slice() ?? new Float32Array(spec.shape[0]);
  }

  apply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.kind === 'linear')
        return tf.matMul(tf.reshape(input, [input.shape[0], -1]), tf.transpose(weight));
      const nhwc = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
      const filter = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
      return tf.transpose(tf.conv2d(nhwc, filter, 1, 'same'), [0, 3, 1, 2]);
    });
  }
}

class TinyBatchNorm {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  readonly epsilon = 1e-3;

  constructor(channels: number) {
    this.gamma = new Float32Array(channels).fill(1);
    this.beta = new Float32Array(channels);
    this.mean = new Float32Array(channels);
    this.variance = new Float32Array(channels).fill(1);
  }

  /** y [N, C] or [N, C, H, W]; training uses batch statistics and updates running ones (momentum 0.1). */
  run(y: tf.Tensor, training: boolean): tf.Tensor {
    const axes = y.rank === 2 ? [0] : [0, 2, 3];
    const shape = y.rank === 2 ? [1, -1] : [1, -1, 1, 1];
    const moments = tf.moments(y, axes);
    if (training) {
      const m = moments.mean.dataSync();
      const v = moments.variance.dataSync();
      this.mean = this.mean.map((r, i) => 0.9 * r + 0.1 * m[i]);
      this.variance = this.variance.map((r, i) => 0.9 * r + 0.1 * v[i]);
    }
    const mean = training ? moments.mean : tf.tensor1d(this.mean);
    const variance = training ? moments.variance : tf.tensor1d(this.variance);
    const normalized = tf.div(
      tf.sub(y, tf.reshape(mean, shape)),
      tf.sqrt(tf.add(tf.reshape(variance, shape), this.epsilon)),
    );
    return tf.add(
      tf.mul(normalized, tf.reshape(tf.tensor1d(this.gamma), shape)),
      tf.reshape(tf.tensor1d(this.beta), shape),
    );
  }
}

export interface TinyModel extends QuantModel {
  /** The `training` flag of every forward call, in order. */
  readonly trainingFlags: boolean[];
  readonly targetsByName: ReadonlyMap<string, TinyTarget>;
}

function randomWeight(shape: number[], random: () => number): Float32Array {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = Math.sqrt(6 / fanIn);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * random() - 1) * bound);
}

/** A one-block model running `layers` in order; inputs [N, C, H, W] (linear layers flatten). */
export function tinyModel(layers: LayerSpec[], seed = 1, name = 'tiny'): TinyModel {
  const random = mulberry32(seed);
  const targets = layers.map((spec) => new TinyTarget(spec, spec.weight ?? randomWeight(spec.shape, random)));
  const norms = layers.map((spec) => (spec.batchNorm ? new TinyBatchNorm(spec.shape[0]) : undefined));
  const trainingFlags: boolean[] = [];
  const batchNorms: BatchNormSite[] = [];
  const forward = (x: tf.Tensor, capture?: CaptureFn, options: ForwardOptions = {}) =>
    tf.tidy(() => {
      trainingFlags.push(options.training === true);
      let h = x;
      layers.forEach((spec, i) => {
        const target = targets[i];
        if (spec.kind === 'linear') h = tf.reshape(h, [h.shape[0], -1]);
        const input = capture?.(target.name, h) || h;
        const weight = target.weight();
        const bias = tf.tensor1d(target.bias.read());
        const w = options.parameters ? options.parameters(target, 'weight', weight) : weight;
        const b = options.parameters ? options.parameters(target, 'bias', bias) : bias;
        let y = target.apply(input, w);
        y = tf.add(y, spec.kind === 'linear' ? b : tf.reshape(b, [1, -1, 1, 1]));
        const norm = norms[i];
        if (norm) y = norm.run(y, options.training === true);
        h = spec.relu ? tf.relu(y) : y;
      });
      return h;
    });
  const block: Block = { name: 'net', targets, mappings: [], forward, batchNorms };
  return {
    name,
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (h) => tf.clone(h),
    trainingFlags,
    targetsByName: new Map(targets.map((t) => [t.name, t])),
  };
}
