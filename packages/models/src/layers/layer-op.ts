import { tf } from '@lowbit/core-tensor';

/** What a Dense / Conv2D / DepthwiseConv2D layer's config says about its op. */
interface LayerConfig {
  strides?: number | number[];
  padding?: 'valid' | 'same';
  dilationRate?: number | number[];
  dataFormat?: 'channelsFirst' | 'channelsLast';
}

const pair = (v: number | number[] | undefined): [number, number] =>
  Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v ?? 1, v ?? 1];

/** Whether the layer computes on NHWC tensors (convs in channelsLast, the tfjs default). */
export function isChannelsLast(layer: tf.layers.Layer): boolean {
  return layer.getClassName() !== 'Dense' && layer.getConfig().dataFormat !== 'channelsFirst';
}

/** The layer's op without bias and activation on NHWC (conv) or [N, in] (Dense) input, kernel in tfjs' layout. */
export function kernelOp(layer: tf.layers.Layer): (x: tf.Tensor, kernel: tf.Tensor) => tf.Tensor {
  const className = layer.getClassName();
  if (className === 'Dense') return (x, kernel) => tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
  const config = layer.getConfig() as LayerConfig;
  const strides = pair(config.strides);
  const dilations = pair(config.dilationRate);
  const padding = config.padding ?? 'valid';
  if (className === 'DepthwiseConv2D') {
    return (x, kernel) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding, 'NHWC', dilations);
  }
  return (x, kernel) =>
    tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, strides, padding, 'NHWC', dilations);
}
