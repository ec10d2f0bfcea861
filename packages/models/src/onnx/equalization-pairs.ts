import type { Mapping } from '@lowbit/core-tensor';
import { divideOutputChannels } from '../channel-scaling';
import type { OnnxNode } from './graph';
import type { OnnxTarget } from './onnx-target';
import type { OnnxWeight } from './weights';

/** Ops that commute with a positive per-channel scale: f(x·s) = f(x)·s for s > 0. */
const POSITIVE_HOMOGENEOUS = new Set(['Relu', 'MaxPool', 'Identity', 'Dropout']);

interface StepView {
  readonly node: OnnxNode;
  readonly output: string;
  readonly weight: OnnxWeight | undefined;
  readonly bypassed: boolean;
}

/** A dense (group 1) conv or a linear whose input channels are its input's channel axis. */
function isChannelLayer(step: StepView): boolean {
  const target = step.weight?.target;
  if (!target || (target.kind !== 'conv2d' && target.kind !== 'linear')) return false;
  return step.node.attributes.int('group', 1) === 1 && step.node.attributes.int('transA', 0) === 0;
}

/** The weight step fed by `from` through positive-homogeneous ops only, each read by nothing else. */
function nextLayer(
  steps: readonly StepView[],
  from: StepView,
  outputs: ReadonlySet<string>,
): StepView | undefined {
  let value = from.output;
  for (;;) {
    const readers = steps.filter((s) => s.node.inputs.includes(value));
    if (readers.length !== 1 || outputs.has(value)) return undefined;
    const [reader] = readers;
    if (reader.weight) return reader.node.inputs[0] === value && isChannelLayer(reader) ? reader : undefined;
    if (!POSITIVE_HOMOGENEOUS.has(reader.node.opType) && !reader.bypassed) return undefined;
    value = reader.output;
  }
}

/**
 * Cross-layer equalization pairs: a conv/linear target whose output reaches the next dense
 * conv/linear only through ReLU, max-pool, identity or folded batch norms.
 */
export function equalizationPairs(steps: readonly StepView[], graphOutputs: ReadonlySet<string>): Mapping[] {
  return steps.flatMap((step) => {
    if (!isChannelLayer(step)) return [];
    const next = nextLayer(steps, step, graphOutputs);
    const smooth = step.weight?.target as OnnxTarget;
    const balance = next?.weight?.target;
    if (!balance || balance.shape[1] !== smooth.shape[0]) return [];
    const mapping: Mapping = {
      smooth: smooth.name,
      balance: [balance.name],
      divideOutput: (s) => divideOutputChannels(smooth, s),
    };
    return [mapping];
  });
}
