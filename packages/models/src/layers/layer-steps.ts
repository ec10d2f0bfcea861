import { type BatchNormSite, type Mapping, tf } from '@lowbit/core-tensor';
import { divideOutputChannels } from '../channel-scaling';
import type { LayerKernelTarget } from './layer-target';

/** One layer of a Sequential model, its target if it has one, and whether it was folded away. */
export interface LayerStep {
  readonly layer: tf.layers.Layer;
  readonly target: LayerKernelTarget | undefined;
  bypassed: boolean;
}

const activationOf = (layer: tf.layers.Layer): string =>
  String(layer.getConfig().activation ?? 'linear').toLowerCase();

/** Layers that commute with a positive per-channel scale: f(x·s) = f(x)·s for s > 0. */
function isPositiveHomogeneous(step: LayerStep): boolean {
  const name = step.layer.getClassName();
  if (step.bypassed || name === 'ReLU' || name === 'MaxPooling2D' || name === 'Dropout') return true;
  return name === 'Activation' && ['relu', 'linear'].includes(activationOf(step.layer));
}

function batchNormWeights(layer: tf.layers.Layer, channels: number) {
  const read = (suffix: string, fill: number) => {
    const variable = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
    return variable
      ? (variable.read().dataSync() as Float32Array).slice()
      : new Float32Array(channels).fill(fill);
  };
  return {
    gamma: read('gamma', 1),
    beta: read('beta', 0),
    mean: read('moving_mean', 0),
    variance: read('moving_variance', 1),
  };
}

const isRelu = (step: LayerStep | undefined): boolean =>
  !!step &&
  (step.layer.getClassName() === 'ReLU' ||
    (step.layer.getClassName() === 'Activation' && activationOf(step.layer) === 'relu'));

/** The ReLU right after the target of step i: its own activation, or the next layer not folded away. */
export function followingActivation(steps: readonly LayerStep[], i: number): 'relu' | undefined {
  const own = activationOf(steps[i].layer);
  if (own === 'relu') return 'relu';
  if (own !== 'linear') return undefined;
  const next = steps.slice(i + 1).find((s) => !s.bypassed);
  return isRelu(next) ? 'relu' : undefined;
}

/** Makes a BatchNormalization layer the identity, so the tfjs model stays consistent after folding. */
function makeIdentity(layer: tf.layers.Layer, epsilon: number): void {
  tf.tidy(() => {
    for (const w of layer.weights) {
      const suffix = w.originalName.split('/').pop();
      const fill = suffix === 'gamma' ? 1 : suffix === 'moving_variance' ? 1 - epsilon : 0;
      w.write(tf.fill(w.shape as number[], fill));
    }
  });
}

/** BatchNormalization layers right after a target with a linear activation and a bias. */
export function layerBatchNorms(steps: readonly LayerStep[]): BatchNormSite[] {
  return steps.flatMap((step, i) => {
    const previous = steps[i - 1]?.target;
    if (step.layer.getClassName() !== 'BatchNormalization' || step.bypassed) return [];
    if (!previous?.bias || activationOf(previous.layer) !== 'linear') return [];
    const epsilon = Number(step.layer.getConfig().epsilon ?? 1e-3);
    const site: BatchNormSite = {
      name: step.layer.name,
      target: previous.name,
      ...batchNormWeights(step.layer, previous.shape[0]),
      epsilon,
      bypass: () => {
        makeIdentity(step.layer, epsilon);
        step.bypassed = true;
      },
    };
    return [site];
  });
}

/** The next target after step i through positive-homogeneous layers only, if it is a dense conv or Dense. */
function nextTarget(steps: readonly LayerStep[], i: number): LayerKernelTarget | undefined {
  for (let j = i + 1; j < steps.length; j++) {
    const { target } = steps[j];
    if (target) return target.kind === 'depthwise' ? undefined : target;
    if (!isPositiveHomogeneous(steps[j])) return undefined;
  }
  return undefined;
}

/** Cross-layer equalization pairs: a conv/Dense (linear or ReLU activation) and the next one. */
export function layerMappings(steps: readonly LayerStep[]): Mapping[] {
  return steps.flatMap((step, i) => {
    const smooth = step.target;
    if (!smooth || smooth.kind === 'depthwise') return [];
    if (!['linear', 'relu'].includes(activationOf(smooth.layer))) return [];
    const balance = nextTarget(steps, i);
    if (!balance || balance.shape[1] !== smooth.shape[0]) return [];
    const mapping: Mapping = {
      smooth: smooth.name,
      balance: [balance.name],
      divideOutput: (s) => divideOutputChannels(smooth, s),
    };
    return [mapping];
  });
}
