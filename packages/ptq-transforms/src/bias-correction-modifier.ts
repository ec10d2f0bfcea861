import {
  type ActivationQuantizer,
  type ActivationQuantPlan,
  type Block,
  fakeQuantizePerTensor,
  fakeQuantizePerToken,
  isLowbitError,
  LowbitError,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type QuantModel,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { ChannelMean, correctedBias } from './bias-correction-math';

export interface BiasCorrectionOptions {
  /** Correct only the targets this returns true for (default: every target of the block). */
  filter?: (target: QuantTarget) => boolean;
}

/** What the quantized model does to a target's input before the layer sees it. */
type InputQuantizer = (target: QuantTarget, input: tf.Tensor) => tf.Tensor;

/** The wrapped modifier: an ActivationQuantizer when the quantizer is one (its plan passes through). */
export type BiasCorrected<M extends Modifier> = M extends ActivationQuantizer
  ? ActivationQuantizer
  : Modifier;

type CorrectableTarget = QuantTarget & Required<Pick<QuantTarget, 'bias' | 'apply'>>;

function correctable(target: QuantTarget): CorrectableTarget {
  if (!target.bias || !target.apply) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `Bias correction needs the bias and the layer op of "${target.name}", which its model adapter does not expose; exclude it with options.filter or use an adapter with bias/apply.`,
    );
  }
  return target as CorrectableTarget;
}

/** The layer's output without bias on a captured input (linear inputs as [tokens, in]). */
function layerOutput(target: CorrectableTarget, input: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  const x = target.kind === 'linear' ? tf.reshape(input, [-1, target.shape[1]]) : input;
  return target.apply(x, weight);
}

/** Per-channel means of apply(x, W) for every `targets` input met while the block runs. */
function outputMeans(
  block: Block,
  inputs: readonly tf.Tensor[],
  targets: readonly CorrectableTarget[],
  quantizeInput: InputQuantizer,
): Map<string, Float64Array> {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const means = new Map(targets.map((t) => [t.name, new ChannelMean(t.shape[0])]));
  const everyTarget = new Map(block.targets.map((t) => [t.name, t]));
  for (const x of inputs) {
    tf.tidy(() => {
      block.forward(x, (name, input) => {
        const seen = everyTarget.has(name) ? quantizeInput(everyTarget.get(name)!, input) : input;
        const target = byName.get(name);
        if (target) means.get(name)!.add(layerOutput(target, seen, target.weight()));
        return seen;
      });
    });
  }
  return new Map([...means].map(([name, mean]) => [name, mean.mean()]));
}

/** Fake quantization of target inputs as the plan says (static per tensor, dynamic per token). */
function planQuantizer(plan: ActivationQuantPlan | undefined): InputQuantizer {
  if (!plan) return (_, input) => input;
  if (plan.mode === 'dynamic')
    return (target, input) => (target.kind === 'linear' ? fakeQuantizePerToken(input, plan.args) : input);
  return (target, input) => {
    const qparams = plan.qparams[target.name];
    return qparams ? fakeQuantizePerTensor(input, qparams, plan.args) : input;
  };
}

/** The inner modifier's activation plan as it stands after its applyBlock, if it has one yet. */
function currentPlan(inner: Modifier): ActivationQuantPlan | undefined {
  const planOf = (inner as Partial<ActivationQuantizer>).plan;
  if (typeof planOf !== 'function') return undefined;
  try {
    return planOf.call(inner);
  } catch (e) {
    if (isLowbitError(e, 'NOT_READY')) return undefined; // a plan made only in finalize
    throw e;
  }
}

function mergeReports(inner: ModifierReport, shifts: ReadonlyMap<string, TargetReport>, notes: string[]) {
  const targets = inner.targets.map((row) => ({
    ...row,
    ...(shifts.get(row.target) ?? {}),
    seconds: row.seconds + (shifts.get(row.target)?.seconds ?? 0),
  }));
  for (const [name, row] of shifts) if (!inner.targets.some((t) => t.target === name)) targets.push(row);
  return {
    ...inner,
    modifier: `${inner.modifier}+bias-correction`,
    config: { ...inner.config, biasCorrection: true },
    targets,
    notes,
  };
}

/**
 * Empirical bias correction (Nagel et al., 2019, §4.2; AIMET's BiasCorrection) around a quantizing
 * modifier. Per block it records, on the calibration inputs, each target's per-channel mean float
 * output E[W x] (the block as it is before the inner modifier acts), runs the inner applyBlock,
 * then target by target in execution order measures E[W̃ x̃] — x̃ from the block as quantized and
 * corrected so far, with the inner modifier's activation plan applied when it has one — and
 * subtracts the difference from the bias, so later layers see earlier corrections.
 */
export function withBiasCorrection<M extends Modifier>(
  quantizer: M,
  options: BiasCorrectionOptions = {},
): BiasCorrected<M> {
  const { filter = () => true } = options;
  const shifts = new Map<string, TargetReport>();
  const notes: string[] = [];

  const applyBlock = (block: Block, context: ModifierContext) => {
    const targets = block.targets.filter(filter).map(correctable);
    if (context.inputs.length === 0) {
      throw new LowbitError(
        'NOT_READY',
        'Bias correction measures output means; pass calibration batches to runRecipe (options.calibration).',
      );
    }
    const floatMeans = outputMeans(block, context.inputs, targets, (_, input) => input);
    quantizer.applyBlock(block, context);
    const plan = currentPlan(quantizer);
    if (!plan && 'plan' in quantizer)
      notes.push(
        `block "${block.name}": ${quantizer.name} had no activation plan after applyBlock; corrected for the weight error only.`,
      );
    const quantizeInput = planQuantizer(plan);
    for (const target of targets) {
      const started = performance.now();
      const quantizedMean = outputMeans(block, context.inputs, [target], quantizeInput).get(target.name)!;
      const { bias, shift } = correctedBias(target.bias.read(), floatMeans.get(target.name)!, quantizedMean);
      target.bias.write(bias);
      const biasShift = shift.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      shifts.set(target.name, {
        target: target.name,
        biasShift,
        seconds: (performance.now() - started) / 1000,
      });
    }
  };

  const wrapped: Modifier = {
    name: `${quantizer.name}+bias-correction`,
    needsCalibration: true,
    initialize: (model: QuantModel) => {
      shifts.clear();
      notes.length = 0;
      quantizer.initialize?.(model);
    },
    applyBlock,
    finalize: (model: QuantModel) => mergeReports(quantizer.finalize(model), shifts, notes.slice()),
  };
  if (quantizer.observe) wrapped.observe = (block, target, input) => quantizer.observe!(block, target, input);
  const plan = (quantizer as Partial<ActivationQuantizer>).plan;
  if (typeof plan === 'function') (wrapped as ActivationQuantizer).plan = () => plan.call(quantizer);
  return wrapped as BiasCorrected<M>;
}
