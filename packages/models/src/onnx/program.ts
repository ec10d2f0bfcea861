import {
  type BatchNormSite,
  type CaptureFn,
  type ForwardOptions,
  LowbitError,
  type Mapping,
  type ParameterFn,
  tf,
} from '@lowbit/core-tensor';
import { batchNormSites } from './batch-norm-sites';
import { equalizationPairs } from './equalization-pairs';
import type { OnnxGraph, OnnxNode, OnnxValueInfo } from './graph';
import type { KernelSpec, OpContext, OpSpec } from './ops/op';
import { opSpecFor } from './ops/registry';
import type { OnnxTensor } from './tensor';
import { findWeights, type OnnxWeight } from './weights';

interface Step {
  node: OnnxNode;
  spec: KernelSpec;
  output: string;
  /** The target fed by input 1, if it is one. */
  weight: OnnxWeight | undefined;
  /** Values last read by this step, released after it. */
  release: string[];
  /** A folded batch normalization: the step passes its input through. */
  bypassed: boolean;
}

function singleInput(graph: OnnxGraph): OnnxValueInfo {
  if (graph.inputs.length !== 1) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `The graph has ${graph.inputs.length} runtime inputs (${graph.inputs.map((i) => i.name).join(', ')}); lowbit runs single-input CNNs.`,
    );
  }
  return graph.inputs[0];
}

function constantTensor({ data, dims }: OnnxTensor): tf.Tensor {
  return tf.tensor(data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

/** Disposes a value that no later step reads, unless another name or the caller still holds it. */
function release(values: Map<string, tf.Tensor>, name: string, callerInput: tf.Tensor): void {
  const tensor = values.get(name);
  values.delete(name);
  if (tensor && tensor !== callerInput && ![...values.values()].includes(tensor)) tensor.dispose();
}

/**
 * An ONNX graph compiled for tfjs: every node checked and bound to its kernel at load, Constant
 * nodes folded, intermediate values released as soon as no later node reads them.
 */
export class GraphProgram {
  readonly input: OnnxValueInfo;
  readonly weights: ReadonlyMap<string, OnnxWeight>;
  private readonly constants = new Map<string, OnnxTensor>();
  private readonly steps: Step[] = [];
  /** Names of the values available to the next node. */
  private readonly known: Set<string>;

  constructor(
    private readonly graph: OnnxGraph,
    readonly output: string,
  ) {
    this.input = singleInput(graph);
    for (const [name, tensor] of graph.initializers) this.constants.set(name, tensor);
    this.known = new Set([this.input.name, ...graph.initializers.keys()]);
    const specs = graph.nodes.map((node) => opSpecFor(node, graph.opset));
    this.weights = findWeights(graph, specs);
    graph.nodes.forEach((node, i) => {
      this.compile(node, specs[i]);
    });
    this.checkOutput();
    this.planReleases();
    this.markActivations();
  }

  /** Names of the BatchNormalization nodes folded away (they pass their input through). */
  get bypassedNodes(): ReadonlySet<string> {
    return new Set(this.steps.filter((s) => s.bypassed).map((s) => s.node.name));
  }

  /** BatchNormalization nodes that directly follow a weight target, for folding. */
  batchNorms(): BatchNormSite[] {
    return batchNormSites(this.graph, this.steps, this.weights, (step) => {
      step.bypassed = true;
    });
  }

  /** Cross-layer equalization pairs, given the batch norms folded so far. */
  mappings(): Mapping[] {
    return equalizationPairs(this.steps, new Set(this.graph.outputs.map((o) => o.name)));
  }

  /**
   * Runs the graph on x (not disposed); `capture` sees each weight target's input and
   * `options.parameters` substitutes weights and biases (training mode changes nothing here).
   */
  run(x: tf.Tensor, capture?: CaptureFn, options: ForwardOptions = {}): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => {
      const values = new Map<string, tf.Tensor>([[this.input.name, x]]);
      for (const step of this.steps) {
        const context = this.context(step, values, capture, options.parameters);
        values.set(
          step.output,
          step.bypassed ? tf.clone(context.required(0)) : tf.tidy(() => step.spec.run(context)),
        );
        for (const name of step.release) release(values, name, x);
      }
      return values.get(this.output) as tf.Tensor;
    });
  }

  private compile(node: OnnxNode, spec: OpSpec): void {
    for (const name of node.inputs) {
      if (name !== '' && !this.known.has(name)) badNodeInput(node, `"${name}"`);
    }
    for (const i of spec.constantInputs ?? []) {
      if (!this.constants.has(node.inputs[i])) {
        throw new LowbitError(
          'UNSUPPORTED_OP',
          `${node.opType} node "${node.name}": input ${i} ("${node.inputs[i]}") must be a constant.`,
          { opType: node.opType, node: node.name },
        );
      }
    }
    const output = node.outputs.find((o) => o !== '') as string;
    this.known.add(output);
    if ('fold' in spec) {
      this.constants.set(output, spec.fold(node));
      return;
    }
    const weight = this.weights.get(node.inputs[1] ?? '');
    this.steps.push({ node, spec, output, weight, release: [], bypassed: false });
  }

  private checkOutput(): void {
    if (!this.steps.some((s) => s.output === this.output)) {
      throw new LowbitError(
        'BAD_ARGS',
        `"${this.output}" is not computed by the graph; choose one of its outputs: ${this.graph.outputs.map((o) => o.name).join(', ')}.`,
      );
    }
  }

  /** A weight step whose output only a Relu reads has that activation (reconstruction losses use it). */
  private markActivations(): void {
    const outputs = new Set(this.graph.outputs.map((o) => o.name));
    for (const step of this.steps) {
      const readers = this.steps.filter((s) => s.node.inputs.includes(step.output));
      const relu = readers.length === 1 && readers[0].node.opType === 'Relu' && !outputs.has(step.output);
      if (step.weight && step.weight.target.biasSlot?.node === step.node.name && relu)
        step.weight.target.activation = 'relu';
    }
  }

  /** After the last step that reads each intermediate value, release it. */
  private planReleases(): void {
    const lastRead = new Map<string, number>();
    this.steps.forEach((step, i) => {
      for (const name of step.node.inputs) lastRead.set(name, i);
    });
    const transient = new Set(this.steps.map((s) => s.output));
    transient.delete(this.output);
    for (const [name, i] of lastRead) if (transient.has(name)) this.steps[i].release.push(name);
  }

  private checkInput(x: tf.Tensor): void {
    const dims = this.input.dims;
    if (!dims) return;
    const fits =
      x.rank === dims.length && dims.every((d, i) => i === 0 || typeof d !== 'number' || d === x.shape[i]);
    if (!fits) {
      throw new LowbitError(
        'BAD_TENSOR',
        `Input "${this.input.name}" must be [${dims.join(', ')}] (any batch size); got [${x.shape}].`,
      );
    }
  }

  /** A weight initializer's current value in the ONNX layout, through `parameters` when given. */
  private weightTensor(name: string, parameters: ParameterFn | undefined): tf.Tensor | undefined {
    const weight = this.weights.get(name);
    if (!weight) return undefined;
    const value = weight.target.weight();
    return weight.toOnnxLayout(parameters ? parameters(weight.target, 'weight', value) : value);
  }

  /** The bias a weight step adds, when its target holds one: C = bias / beta in the slot's dims. */
  private biasTensor(step: Step, parameters: ParameterFn | undefined): tf.Tensor | undefined {
    const target = step.weight?.target;
    const slot = target?.biasSlot;
    const values = target?.currentBias;
    if (!target || !slot || !values || slot.node !== step.node.name) return undefined;
    const bias = tf.tensor1d(values);
    const used = parameters ? parameters(target, 'bias', bias) : bias;
    const c = slot.scale === 1 ? used : tf.div(used, slot.scale);
    return tf.reshape(c, slot.dims as number[]);
  }

  private context(
    step: Step,
    values: Map<string, tf.Tensor>,
    capture: CaptureFn | undefined,
    parameters: ParameterFn | undefined,
  ): OpContext {
    const { node, weight } = step;
    const tensorOf = (name: string): tf.Tensor =>
      values.get(name) ??
      this.weightTensor(name, parameters) ??
      constantTensor(this.constants.get(name) as OnnxTensor);
    const input = (i: number): tf.Tensor | undefined => {
      const bias = i === 2 ? this.biasTensor(step, parameters) : undefined;
      return bias ?? (node.inputs[i] ? tensorOf(node.inputs[i]) : undefined);
    };
    return {
      node,
      opset: this.graph.opset,
      input,
      required: (i) => {
        if (!node.inputs[i]) badNodeInput(node, `#${i} (required)`);
        return tensorOf(node.inputs[i]);
      },
      constant: (i) => this.constants.get(node.inputs[i]) as OnnxTensor,
      capture: (x) => (weight && capture?.(weight.target.name, x)) || x,
    };
  }
}

function badNodeInput(node: OnnxNode, input: string): never {
  throw new LowbitError(
    'BAD_FILE',
    `Malformed ONNX graph: ${node.opType} node "${node.name}" reads input ${input}, which no earlier node, initializer or graph input provides. Re-export the model.`,
  );
}
