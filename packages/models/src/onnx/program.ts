import { type CaptureFn, LowbitError, tf } from '@lowbit/core-tensor';
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
  }

  /** Runs the graph on x (not disposed); `capture` sees each weight target's input. */
  run(x: tf.Tensor, capture?: CaptureFn): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => {
      const values = new Map<string, tf.Tensor>([[this.input.name, x]]);
      for (const step of this.steps) {
        const context = this.context(step, values, capture);
        values.set(
          step.output,
          tf.tidy(() => step.spec.run(context)),
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
    this.steps.push({ node, spec, output, weight: this.weights.get(node.inputs[1] ?? ''), release: [] });
  }

  private checkOutput(): void {
    if (!this.steps.some((s) => s.output === this.output)) {
      throw new LowbitError(
        'BAD_ARGS',
        `"${this.output}" is not computed by the graph; choose one of its outputs: ${this.graph.outputs.map((o) => o.name).join(', ')}.`,
      );
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

  private context(step: Step, values: Map<string, tf.Tensor>, capture: CaptureFn | undefined): OpContext {
    const { node, weight } = step;
    const tensorOf = (name: string): tf.Tensor =>
      values.get(name) ??
      this.weights.get(name)?.onnxTensor() ??
      constantTensor(this.constants.get(name) as OnnxTensor);
    return {
      node,
      opset: this.graph.opset,
      input: (i) => (node.inputs[i] ? tensorOf(node.inputs[i]) : undefined),
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
