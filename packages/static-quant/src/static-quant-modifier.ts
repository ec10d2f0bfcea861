import {
  type ActivationQParams,
  type ActivationQuantizer,
  type ActivationQuantPlan,
  type Block,
  LowbitError,
  type ModifierContext,
  type ModifierReport,
  type QuantTarget,
  quantArgs,
  type TargetReport,
} from '@lowbit/core-tensor';
import { calibrateActivations } from './calibrate-activations';
import { type StaticQuantOptions, staticQuantConfig } from './config';
import { STATIC_QUANT_PRESETS, type StaticQuantPresetName, staticQuantPreset } from './presets';
import { quantizeTarget } from './quantize-weight';

const WEIGHT_KINDS = new Set(['linear', 'conv2d', 'depthwise']);

/** The activation args of a weight-only configuration's (empty) plan. */
const UNUSED_ACTIVATION_ARGS = quantArgs({ bits: 8, symmetric: false });

function quantizableTargets(block: Block): QuantTarget[] {
  return block.targets.filter((t) => WEIGHT_KINDS.has(t.kind));
}

function resolveOptions(options: StaticQuantOptions | StaticQuantPresetName): StaticQuantOptions {
  return typeof options === 'string' ? staticQuantPreset(options) : options;
}

function notCalibrated(): LowbitError {
  return new LowbitError(
    'NOT_READY',
    'staticQuant calibrates activation ranges; pass calibration batches to runRecipe (options.calibration).',
  );
}

/**
 * Static post-training quantization (PyTorch eager-mode PTQ / ONNX QDQ) as a pipeline modifier.
 * Per block: observers calibrate one per-tensor scale and zero point for every conv/linear input on
 * the block's calibration inputs — with the weights as earlier modifiers left them, still float
 * (observers see the float model) — then each weight is quantized with its observer's qparams
 * (conv weights as their [out, in·kh·kw] view). `plan()` is up to date after every applyBlock, so
 * later modifiers of the same recipe can simulate the quantized activations.
 */
export function staticQuant(options: StaticQuantOptions | StaticQuantPresetName = {}): ActivationQuantizer {
  const config = staticQuantConfig(resolveOptions(options));
  const qparams: Record<string, ActivationQParams> = {};
  const reports: TargetReport[] = [];
  let plan: ActivationQuantPlan | undefined;
  let started = 0;
  const activationArgs = config.activations ? config.activations.args : UNUSED_ACTIVATION_ARGS;

  const applyBlock = (block: Block, context: ModifierContext) => {
    const targets = quantizableTargets(block);
    const activation = config.activations;
    if (activation && context.inputs.length === 0) throw notCalibrated();
    const calibrated = activation ? calibrateActivations(block, targets, context.inputs, activation) : {};
    Object.assign(qparams, calibrated);
    plan = { mode: 'static', args: activationArgs, qparams: { ...qparams } };
    for (const target of targets) {
      const report = config.weights
        ? quantizeTarget(target, config.weights)
        : { target: target.name, seconds: 0 };
      const input = calibrated[target.name];
      reports.push(
        input ? { ...report, activationScale: input.scale, activationZeroPoint: input.zeroPoint } : report,
      );
    }
  };

  return {
    name: 'static-quant',
    needsCalibration: config.activations !== false,
    initialize: () => {
      for (const name of Object.keys(qparams)) delete qparams[name];
      reports.length = 0;
      plan = undefined;
      started = performance.now();
    },
    applyBlock,
    finalize: (): ModifierReport => ({
      modifier: 'static-quant',
      config: {
        preset: typeof options === 'string' && options in STATIC_QUANT_PRESETS ? options : undefined,
        weights: config.weights,
        activations: config.activations,
      },
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
    }),
    plan: () => {
      if (!plan) {
        throw new LowbitError(
          'NOT_READY',
          'staticQuant has no activation plan yet; run it with runRecipe (with calibration batches) first.',
        );
      }
      return plan;
    },
  };
}
