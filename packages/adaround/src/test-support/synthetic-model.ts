import { ArrayTarget, type Block, type QuantModel, tf } from '@lowbit/core-tensor';
import { LayerTarget } from './layers';
import { randn } from './random';

export const IMAGE = { channels: 2, size: 8 } as const;

function scaled(values: Float32Array, factor: number): Float32Array {
  return values.map((v) => v * factor);
}

/**
 * A small CNN as one block 'net': conv [4, 2, 3, 3] → relu → flatten [N, 144] → fc1 [8, 144] → relu →
 * fc2 [3, 8], each with a bias, on NCHW images [N, 2, 8, 8]. Targets implement bias and apply. With
 * `withoutApply`, fc2 is a plain ArrayTarget without apply.
 */
export function syntheticCnn(seed = 1, withoutApply = false): QuantModel & { targets: ArrayTarget[] } {
  const conv = new LayerTarget(
    'conv',
    'conv2d',
    [4, 2, 3, 3],
    scaled(randn(72, seed), 0.4),
    randn(4, seed + 1),
  );
  const fc1 = new LayerTarget(
    'fc1',
    'linear',
    [8, 144],
    scaled(randn(8 * 144, seed + 2), 0.1),
    randn(8, seed + 3),
  );
  const fc2Values = scaled(randn(24, seed + 4), 0.5);
  const fc2 = withoutApply
    ? new ArrayTarget('fc2', 'linear', [3, 8], fc2Values)
    : new LayerTarget('fc2', 'linear', [3, 8], fc2Values, new Float32Array(3));
  const runFc2 = (x: tf.Tensor) =>
    fc2 instanceof LayerTarget
      ? fc2.run(x)
      : tf.matMul(x as tf.Tensor2D, tf.transpose(fc2.weight()) as tf.Tensor2D);
  const block: Block = {
    name: 'net',
    targets: [conv, fc1, fc2],
    mappings: [],
    forward: (x, capture) =>
      tf.tidy(() => {
        const x0 = capture?.('conv', x) ?? x;
        const h1 = tf.relu(conv.run(x0));
        const flat = tf.reshape(h1, [h1.shape[0], -1]);
        const x1 = capture?.('fc1', flat) ?? flat;
        const h2 = tf.relu(fc1.run(x1));
        const x2 = capture?.('fc2', h2) ?? h2;
        return runFc2(x2);
      }),
  };
  return {
    name: 'synthetic-cnn',
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
    targets: [conv, fc1, fc2],
  };
}
