// A small CNN built from plain tfjs ops with ArrayTarget weights that expose bias and apply,
// mappings and batch-norm sites: the model interface the adapters implement, for unit tests.
import { ArrayTarget } from '../array-target';
import { LowbitError } from '../errors';
import type {
  BatchNormSite,
  BiasAccess,
  Block,
  CaptureFn,
  ForwardOptions,
  Mapping,
  QuantModel,
  QuantTarget,
} from '../model';
import { mulberry32 } from '../random';
import { tf } from '../tf';

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
export function randn(count: number, seed: number, scale = 1, mean = 0): Float32Array {
  const uniform = mulberry32(seed);
  return Float32Array.from({ length: count }, () => {
    const u = 1 - uniform();
    return mean + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  });
}

/** A conv2d ('valid', stride 1) or linear layer whose weight and bias live in Float32Arrays. */
export class LayerTarget extends ArrayTarget {
  biasValues: Float32Array;
  readonly bias: BiasAccess;

  constructor(
    name: string,
    kind: 'conv2d' | 'linear',
    shape: number[],
    data: Float32Array,
    bias: Float32Array,
  ) {
    super(name, kind, shape, data);
    this.biasValues = bias;
    this.bias = {
      read: () => this.biasValues.slice(),
      write: (values) => {
        this.biasValues = Float32Array.from(values);
      },
    };
  }

  apply(input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.kind === 'linear') return tf.matMul(input as tf.Tensor2D, tf.transpose(weight) as tf.Tensor2D);
      const nhwc = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
      const filter = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
      return tf.transpose(tf.conv2d(nhwc, filter, 1, 'valid'), [0, 3, 1, 2]);
    });
  }
}

export type LayerSpec =
  | { op: 'conv'; name: string; out: number; in: number; kernel: number }
  | { op: 'dense'; name: string; out: number; in: number }
  | { op: 'bn'; name: string }
  | { op: 'relu' }
  | { op: 'maxpool' }
  | { op: 'flatten' };

interface BatchNormState {
  site: BatchNormSite;
  bypassed: boolean;
}

/** Per-channel (axis 1) broadcast of a [C] vector over x (NCHW or [N, C]). */
function channelVector(values: Float32Array, rank: number): tf.Tensor {
  return tf.reshape(tf.tensor1d(values), rank === 4 ? [1, -1, 1, 1] : [1, -1]);
}

function batchNorm(x: tf.Tensor, site: BatchNormSite): tf.Tensor {
  return tf.tidy(() => {
    const scale = site.gamma.map((g, c) => g / Math.sqrt(site.variance[c] + site.epsilon));
    const shift = site.beta.map((b, c) => b - site.mean[c] * scale[c]);
    return tf.add(tf.mul(x, channelVector(scale, x.rank)), channelVector(shift, x.rank));
  });
}

function runTarget(target: LayerTarget, x: tf.Tensor, capture?: CaptureFn, options?: ForwardOptions) {
  const input = capture?.(target.name, x) ?? x;
  const stored = target.weight();
  const weight = options?.parameters ? options.parameters(target, 'weight', stored) : stored;
  const storedBias = tf.tensor1d(target.biasValues);
  const bias = options?.parameters ? options.parameters(target, 'bias', storedBias) : storedBias;
  const rank = input.rank;
  return tf.add(target.apply(input, weight), tf.reshape(bias, rank === 4 ? [1, -1, 1, 1] : [1, -1]));
}

export interface SyntheticCnn {
  model: QuantModel;
  block: Block;
  targets: Map<string, LayerTarget>;
  /** Whether each batch norm was bypassed. */
  bypassed(name: string): boolean;
}

/** Mappings target → (relu / maxpool / flatten)* → next target, as the CNN adapters list them. */
function chainMappings(specs: readonly LayerSpec[], targets: Map<string, LayerTarget>): Mapping[] {
  const named = specs.filter((s) => s.op === 'conv' || s.op === 'dense') as { name: string }[];
  return named.slice(0, -1).map((s, i) => ({
    smooth: s.name,
    balance: [named[i + 1].name],
    divideOutput: (scales: Float32Array) => {
      const target = targets.get(s.name)!;
      const values = target.values;
      const row = values.length / scales.length;
      const divided = tf.tensor(
        values.map((v, j) => v / scales[Math.floor(j / row)]),
        target.shape as number[],
      );
      target.setWeight(divided);
      divided.dispose();
      target.bias.write(target.biasValues.map((b, c) => b / scales[c]));
    },
  }));
}

/**
 * Builds an NCHW model from `specs` with seeded weights (biases and BN statistics non-trivial).
 * Set `mappings: false` for a block without mappings, `batchNorms: false` to hide BN sites.
 */
export function syntheticCnn(
  specs: readonly LayerSpec[],
  options: { seed?: number; expectedInput?: number[]; mappings?: boolean } = {},
): SyntheticCnn {
  const { seed = 1 } = options;
  const targets = new Map<string, LayerTarget>();
  const norms = new Map<string, BatchNormState>();
  let lastTarget: LayerTarget | undefined;
  specs.forEach((spec, i) => {
    if (spec.op === 'conv' || spec.op === 'dense') {
      const shape = spec.op === 'conv' ? [spec.out, spec.in, spec.kernel, spec.kernel] : [spec.out, spec.in];
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      const weight = randn(
        shape.reduce((a, b) => a * b, 1),
        seed * 100 + i,
        1 / Math.sqrt(fanIn),
      );
      // Uneven channel scales so that equalization has something to do.
      const row = weight.length / spec.out;
      weight.forEach((_, j) => {
        weight[j] *= 0.2 + (2 * ((Math.floor(j / row) * 7) % 5) ** 1.5) / 10;
      });
      const kind = spec.op === 'conv' ? 'conv2d' : 'linear';
      lastTarget = new LayerTarget(spec.name, kind, shape, weight, randn(spec.out, seed * 100 + 50 + i, 0.1));
      targets.set(spec.name, lastTarget);
    } else if (spec.op === 'bn') {
      const channels = lastTarget!.shape[0];
      const state: BatchNormState = {
        bypassed: false,
        site: {
          name: spec.name,
          target: lastTarget!.name,
          gamma: randn(channels, seed * 100 + 70 + i, 0.3, 1),
          beta: randn(channels, seed * 100 + 80 + i, 0.2),
          mean: randn(channels, seed * 100 + 90 + i, 0.3),
          variance: randn(channels, seed * 100 + 95 + i, 0.5).map((v) => 0.2 + v * v),
          epsilon: 1e-3,
          bypass: () => {
            state.bypassed = true;
          },
        },
      };
      norms.set(spec.name, state);
    }
  });
  const forward = (x: tf.Tensor, capture?: CaptureFn, forwardOptions?: ForwardOptions) =>
    tf.tidy(() => {
      if (options.expectedInput && x.shape.slice(1).join() !== options.expectedInput.join()) {
        throw new LowbitError(
          'BAD_TENSOR',
          `Input must be [N, ${options.expectedInput.join(', ')}]; got [${x.shape}].`,
        );
      }
      return specs.reduce((y, spec) => {
        if (spec.op === 'conv' || spec.op === 'dense')
          return runTarget(targets.get(spec.name)!, y, capture, forwardOptions);
        if (spec.op === 'bn') {
          const state = norms.get(spec.name)!;
          return state.bypassed ? y : batchNorm(y, state.site);
        }
        if (spec.op === 'relu') return tf.relu(y);
        if (spec.op === 'maxpool')
          return tf.transpose(
            tf.maxPool(tf.transpose(y, [0, 2, 3, 1]) as tf.Tensor4D, 2, 2, 'valid'),
            [0, 3, 1, 2],
          );
        return tf.reshape(y, [y.shape[0], -1]);
      }, x);
    });
  const block: Block = {
    name: 'graph',
    targets: [...targets.values()] as QuantTarget[],
    mappings: options.mappings === false ? [] : chainMappings(specs, targets),
    get batchNorms() {
      return [...norms.values()].filter((n) => !n.bypassed).map((n) => n.site);
    },
    forward,
  };
  const model: QuantModel = {
    name: 'synthetic-cnn',
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
  };
  return { model, block, targets, bypassed: (name) => norms.get(name)!.bypassed };
}

/** conv(2→4) → BN → relu → maxpool → conv(4→6) → BN → relu → maxpool → flatten → dense(6·2·2 → 3), input [N, 2, 14, 14]. */
export const SMALL_CNN: readonly LayerSpec[] = [
  { op: 'conv', name: 'conv1', out: 4, in: 2, kernel: 3 },
  { op: 'bn', name: 'bn1' },
  { op: 'relu' },
  { op: 'maxpool' },
  { op: 'conv', name: 'conv2', out: 6, in: 4, kernel: 3 },
  { op: 'bn', name: 'bn2' },
  { op: 'relu' },
  { op: 'maxpool' },
  { op: 'flatten' },
  { op: 'dense', name: 'fc', out: 3, in: 24 },
];

export const SMALL_CNN_INPUT = [2, 14, 14];

/** Seeded calibration images [count, ...SMALL_CNN_INPUT]. */
export function images(count: number, seed: number, shape: readonly number[] = SMALL_CNN_INPUT): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(randn(count * size, seed, 1, 0.2), [count, ...shape]);
}
