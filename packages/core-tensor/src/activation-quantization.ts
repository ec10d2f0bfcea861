import {
  type ActivationQParams,
  fakeQuantizePerTensor,
  fakeQuantizePerToken,
} from './activation-fake-quantize';
import { LowbitError } from './errors';
import { allTargets, type Block, type QuantModel } from './model';
import type { Modifier } from './modifier';
import type { QuantArgs } from './quant-args';
import { tf } from './tf';

/**
 * How the inputs of a model's linears are quantized, as w8a8Static / w8a8Dynamic record it:
 * static — fixed per-tensor qparams for each target (ONNX QDQ: QuantizeLinear/DequantizeLinear);
 * dynamic — per-token min/max qparams computed from each input on the fly.
 */
export type ActivationQuantPlan =
  | {
      readonly mode: 'static';
      readonly args: QuantArgs;
      readonly qparams: Readonly<Record<string, ActivationQParams>>;
    }
  | { readonly mode: 'dynamic'; readonly args: QuantArgs };

type InputQuantizer = (target: string, input: tf.Tensor) => tf.Tensor;

/** Fake-quantizes the inputs the plan covers: every linear's (dynamic) or the planned targets' (static). */
function inputQuantizer(plan: ActivationQuantPlan, linears: ReadonlySet<string>): InputQuantizer {
  if (plan.mode === 'dynamic') {
    return (target, input) => (linears.has(target) ? fakeQuantizePerToken(input, plan.args) : input);
  }
  return (target, input) => {
    const qparams = plan.qparams[target];
    return qparams ? fakeQuantizePerTensor(input, qparams, plan.args) : input;
  };
}

/** The block with every target input fake-quantized; a caller's capture sees the quantized input. */
function quantizingBlock(block: Block, quantize: InputQuantizer): Block {
  return {
    name: block.name,
    targets: block.targets,
    get mappings() {
      return block.mappings;
    },
    get batchNorms() {
      return block.batchNorms;
    },
    sequentialGroups: block.sequentialGroups,
    forward: (x, capture, options) =>
      tf.tidy(() =>
        block.forward(
          x,
          (target, input) => {
            const quantized = quantize(target, input);
            return capture?.(target, quantized) ?? quantized;
          },
          options,
        ),
      ),
  };
}

function assertPlanFits(model: QuantModel, plan: ActivationQuantPlan): void {
  if (plan.mode === 'dynamic') return;
  const names = new Set(allTargets(model).map((t) => t.name));
  const planned = Object.keys(plan.qparams);
  const unknown = planned.filter((name) => !names.has(name));
  if (planned.length === 0 || unknown.length > 0) {
    throw new LowbitError(
      'BAD_ARGS',
      `The static activation plan ${planned.length === 0 ? 'is empty' : `names targets that "${model.name}" lacks (${unknown.slice(0, 3).join(', ')})`}; run the activation quantizer (e.g. w8a8Static, staticQuant) on this model and pass its plan().`,
    );
  }
}

/**
 * A view of `model` whose block forwards fake-quantize the inputs of its linears (the
 * simulation of W8A8 inference: weights are already int8 in the model). Weights and state are
 * shared with `model`; embed and head stay float. Evaluate it with e.g. models' `perplexity`.
 */
export function withActivationQuantization(model: QuantModel, plan: ActivationQuantPlan): QuantModel {
  assertPlanFits(model, plan);
  const linears = new Set(allTargets(model).flatMap((t) => (t.kind === 'linear' ? [t.name] : [])));
  const quantize = inputQuantizer(plan, linears);
  return {
    name: model.name,
    task: model.task,
    blocks: model.blocks.map((block) => quantizingBlock(block, quantize)),
    outerTargets: model.outerTargets,
    embed: (batch) => model.embed(batch),
    head: (x) => model.head(x),
  };
}

/** A modifier that quantizes weights to int8 and decides how activations are quantized. */
export interface ActivationQuantizer extends Modifier {
  /** The activation plan for withActivationQuantization; static plans exist once finalize has run. */
  plan(): ActivationQuantPlan;
}
