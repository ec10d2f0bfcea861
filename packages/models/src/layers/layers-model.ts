import {
  type Block,
  type CaptureFn,
  type ForwardOptions,
  LowbitError,
  type ParameterFn,
  type QuantModel,
  tf,
} from '@lowbit/core-tensor';
import { kernelLayoutOf } from './kernel-layouts';
import { isChannelsLast } from './layer-op';
import { followingActivation, type LayerStep, layerBatchNorms, layerMappings } from './layer-steps';
import { LayerKernelTarget } from './layer-target';

/** A tfjs-layers Sequential model seen as a lowbit QuantModel (one block 'graph'). */
export interface LayersQuantModel extends QuantModel {
  readonly layersModel: tf.Sequential;
}

function targetOf(layer: tf.layers.Layer): LayerKernelTarget | undefined {
  const layout = kernelLayoutOf(layer.getClassName());
  const kernel = layout && layer.weights.find((w) => w.originalName.endsWith(`/${layout.variable}`));
  return layout && kernel ? new LayerKernelTarget(layer, kernel, layout) : undefined;
}

/**
 * Shows a target layer's input to `capture` (conv inputs NCHW, as core's CaptureFn asks, though
 * channelsLast layers run NHWC) and returns the input the layer should use.
 */
function captureInput(layer: tf.layers.Layer, target: string, x: tf.Tensor, capture: CaptureFn): tf.Tensor {
  const channelsLast = isChannelsLast(layer);
  const replaced = capture(target, channelsLast ? tf.transpose(x, [0, 3, 1, 2]) : x);
  if (!replaced) return x;
  return channelsLast ? tf.transpose(replaced, [0, 2, 3, 1]) : replaced;
}

/** A target layer computed with substituted weight and bias, then its own activation. */
function applyWithParameters(
  target: LayerKernelTarget,
  input: tf.Tensor,
  parameters: ParameterFn,
): tf.Tensor {
  const weight = parameters(target, 'weight', target.weight());
  const bias = target.bias && parameters(target, 'bias', tf.tensor1d(target.bias.read()));
  const y = target.applyOwnLayout(input, weight, bias);
  const activation = (target.layer as unknown as { activation?: { apply(x: tf.Tensor): tf.Tensor } })
    .activation;
  return activation ? activation.apply(y) : y;
}

/**
 * Applies the layers one by one (inference mode unless options.training), skipping folded batch
 * norms, showing each target's input to `capture` and substituting parameters when asked.
 */
function forwardLayers(
  steps: readonly LayerStep[],
  x: tf.Tensor,
  capture: CaptureFn | undefined,
  { parameters, training = false }: ForwardOptions = {},
): tf.Tensor {
  return tf.tidy(() =>
    steps.reduce((y, { layer, target, bypassed }) => {
      if (bypassed) return y;
      const input = target && capture ? captureInput(layer, target.name, y, capture) : y;
      if (target && parameters) return applyWithParameters(target, input, parameters);
      return layer.apply(input, { training }) as tf.Tensor;
    }, x),
  );
}

/**
 * Wraps a Sequential tfjs-layers model (functional models with branches are not supported). Its
 * Dense, Conv2D and DepthwiseConv2D kernels are targets (linear [out, in], conv2d [out, in, kh, kw],
 * depthwise [in·mult, 1, kh, kw]); setting one writes the layer's kernel. Targets expose their
 * bias and op; the block lists CLE pairs and BatchNormalization layers that can be folded (a
 * folded one is skipped and made the identity in the tfjs model). Biases stay float. Batches go in as the model expects them (NHWC for channelsLast).
 */
export function fromLayersModel(model: tf.LayersModel): LayersQuantModel {
  if (!(model instanceof tf.Sequential)) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `fromLayersModel supports Sequential models; "${model.name}" is a ${model.getClassName()}. Rebuild it with tf.sequential().`,
    );
  }
  const steps: LayerStep[] = model.layers.map((layer) => ({
    layer,
    target: targetOf(layer),
    bypassed: false,
  }));
  steps.forEach((step, i) => {
    if (step.target) step.target.activationOf = () => followingActivation(steps, i);
  });
  const block: Block = {
    name: 'graph',
    targets: steps.flatMap((s) => (s.target ? [s.target] : [])),
    get mappings() {
      return layerMappings(steps);
    },
    get batchNorms() {
      return layerBatchNorms(steps);
    },
    forward: (x, capture, options) => forwardLayers(steps, x, capture, options),
  };
  return {
    name: model.name,
    task: 'classifier',
    blocks: [block],
    outerTargets: [],
    embed: (batch) => tf.clone(batch),
    head: (x) => tf.clone(x),
    layersModel: model,
  };
}
