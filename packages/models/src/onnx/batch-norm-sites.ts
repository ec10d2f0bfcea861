import type { BatchNormSite } from '@lowbit/core-tensor';
import type { OnnxGraph, OnnxNode } from './graph';
import type { OnnxWeight } from './weights';

/** What batchNormSites reads of a compiled step. */
interface StepView {
  readonly node: OnnxNode;
  readonly output: string;
  readonly weight: OnnxWeight | undefined;
  readonly bypassed: boolean;
}

function readers(steps: readonly StepView[], value: string): StepView[] {
  return steps.filter((s) => s.node.inputs.includes(value));
}

function floatInitializer(graph: OnnxGraph, name: string | undefined): Float32Array | undefined {
  const tensor = name === undefined ? undefined : graph.initializers.get(name);
  return tensor?.data instanceof Float32Array ? tensor.data : undefined;
}

/**
 * BatchNormalization nodes whose input is the output of a Conv/Gemm weight step that nothing else
 * reads, with constant parameters: they can be folded into that step's weight and bias.
 */
export function batchNormSites<S extends StepView>(
  graph: OnnxGraph,
  steps: readonly S[],
  weights: ReadonlyMap<string, OnnxWeight>,
  bypass: (step: S) => void,
): BatchNormSite[] {
  return steps.flatMap((step) => {
    if (step.node.opType !== 'BatchNormalization' || step.bypassed) return [];
    const producer = steps.find((s) => s.output === step.node.inputs[0]);
    const target = producer?.weight?.target;
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) =>
      floatInitializer(graph, step.node.inputs[i]),
    );
    const alone = producer && readers(steps, producer.output).length === 1;
    if (!target?.bias || !alone || !gamma || !beta || !mean || !variance || !weights.has(target.name))
      return [];
    const site: BatchNormSite = {
      name: step.node.name,
      target: target.name,
      gamma,
      beta,
      mean,
      variance,
      epsilon: step.node.attributes.float('epsilon', 1e-5),
      bypass: () => bypass(step),
    };
    return [site];
  });
}
