import { type Block, type CaptureFn, LowbitError, type QuantModel, tf } from '@lowbit/core-tensor';
import { kernelLayoutOf } from './kernel-layouts';
import { LayerKernelTarget } from './layer-target';

/** A BatchNormalization layer, left float; `follows` is the target it could be folded into. */
export interface FoldableNorm {
  readonly layer: string;
  readonly follows: string | undefined;
}

/** A tfjs-layers Sequential model seen as a lowbit QuantModel (one block 'graph'). */
export interface LayersQuantModel extends QuantModel {
  readonly layersModel: tf.Sequential;
  /** BatchNormalization layers, in order, for later folding. */
  readonly batchNorms: readonly FoldableNorm[];
}

interface LayerStep {
  layer: tf.layers.Layer;
  target: LayerKernelTarget | undefined;
}

function targetOf(layer: tf.layers.Layer): LayerKernelTarget | undefined {
  const layout = kernelLayoutOf(layer.getClassName());
  const kernel = layout && layer.weights.find((w) => w.originalName.endsWith(`/${layout.variable}`));
  return layout && kernel ? new LayerKernelTarget(kernel, layout) : undefined;
}

/**
 * Shows a target layer's input to `capture` (conv inputs NCHW, as core's CaptureFn asks, though
 * channelsLast layers run NHWC) and returns the input the layer should use.
 */
function captureInput(layer: tf.layers.Layer, target: string, x: tf.Tensor, capture: CaptureFn): tf.Tensor {
  const channelsLast = layer.getClassName() !== 'Dense' && layer.getConfig().dataFormat !== 'channelsFirst';
  const replaced = capture(target, channelsLast ? tf.transpose(x, [0, 3, 1, 2]) : x);
  if (!replaced) return x;
  return channelsLast ? tf.transpose(replaced, [0, 2, 3, 1]) : replaced;
}

function foldableNorms(steps: readonly LayerStep[]): FoldableNorm[] {
  return steps.flatMap(({ layer }, i) =>
    layer.getClassName() === 'BatchNormalization'
      ? [{ layer: layer.name, follows: steps[i - 1]?.target?.name }]
      : [],
  );
}

/** Applies the layers one by one in inference mode, showing each target's input to `capture`. */
function forwardLayers(steps: readonly LayerStep[], x: tf.Tensor, capture?: CaptureFn): tf.Tensor {
  return tf.tidy(() =>
    steps.reduce((y, { layer, target }) => {
      const input = target && capture ? captureInput(layer, target.name, y, capture) : y;
      return layer.apply(input, { training: false }) as tf.Tensor;
    }, x),
  );
}

/**
 * Wraps a Sequential tfjs-layers model (functional models with branches are not supported). Its
 * Dense, Conv2D and DepthwiseConv2D kernels are targets (linear [out, in], conv2d [out, in, kh, kw],
 * depthwise [in·mult, 1, kh, kw]); setting one writes the layer's kernel. Biases and
 * BatchNormalization stay float. Batches go in as the model expects them (NHWC for channelsLast).
 */
export function fromLayersModel(model: tf.LayersModel): LayersQuantModel {
  if (!(model instanceof tf.Sequential)) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `fromLayersModel supports Sequential models; "${model.name}" is a ${model.getClassName()}. Rebuild it with tf.sequential().`,
    );
  }
  const steps = model.layers.map((layer) => ({ layer, target: targetOf(layer) }));
  const block: Block = {
    name: 'graph',
    targets: steps.flatMap((s) => (s.target ? [s.target] : [])),
    mappings: [],
    forward: (x, capture) => forwardLayers(steps, x, capture),
  };
  return {
    name: model.name,
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
    layersModel: model,
    batchNorms: foldableNorms(steps),
  };
}
