import {
  type ActivationQuantizer,
  type Block,
  chooseQParams,
  disposeQParams,
  isLowbitError,
  LowbitError,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type QParams,
  type QuantArgs,
  type QuantModel,
  type QuantTarget,
  searchClipQParams,
  type TargetReport,
  tf,
  withActivationQuantization,
} from '@lowbit/core-tensor';
import { adaroundLayer } from './adaround-layer';
import { type AdaroundConfig, type AdaroundConfigInput, adaroundConfig } from './config';
import { flexroundLayer } from './flexround-layer';
import type { LayerResult } from './layer-problem';
import { captureLayerInputs, type LayerSamples, layerOutputs, samplesTensor } from './layer-samples';
import { matrixView, weightArgs } from './weight-grid';

export interface AdaroundModifierOptions extends AdaroundConfigInput {
  /**
   * An activation quantizer placed before adaround in the recipe (e.g. a static-quant modifier): with
   * inputs 'quantized', each layer's input is captured with its plan's activation fake-quantization.
   */
  activations?: ActivationQuantizer;
  /** Keep only the targets this returns true for (default: every linear, conv2d and depthwise target). */
  filter?: (target: QuantTarget) => boolean;
}

const LAYER_KINDS = new Set(['linear', 'conv2d', 'depthwise']);

type LayerTarget = QuantTarget & Required<Pick<QuantTarget, 'apply'>>;

function requireApply(target: QuantTarget): LayerTarget {
  if (!target.apply) {
    throw new LowbitError(
      'UNSUPPORTED_OP',
      `Target "${target.name}" (${target.kind}) exposes no apply(input, weight), so its layer output cannot be reconstructed; AdaRound needs a model adapter that implements QuantTarget.apply, or filter this target out.`,
      { target: target.name },
    );
  }
  return target as LayerTarget;
}

function requireCalibration(context: ModifierContext, block: Block): void {
  if (context.inputs.length === 0) {
    throw new LowbitError(
      'NOT_READY',
      `AdaRound reconstructs layer outputs on calibration data, but block "${block.name}" got none; pass calibration batches to runRecipe (options.calibration).`,
    );
  }
}

/** The block whose forward captures layer inputs for 'quantized' mode, with activation fake-quant if planned. */
function sourceBlock(block: Block, context: ModifierContext, activations?: ActivationQuantizer): Block {
  if (!activations) return block;
  let plan: ReturnType<ActivationQuantizer['plan']>;
  try {
    plan = activations.plan();
  } catch (e) {
    if (!isLowbitError(e, 'NOT_READY')) throw e;
    throw new LowbitError(
      'NOT_READY',
      `adaround's activations quantizer "${activations.name}" has no plan when block "${block.name}" is reconstructed (${e.message}); use a quantizer whose plan is ready after its applyBlock, or run it in an earlier runRecipe.`,
    );
  }
  return withActivationQuantization(context.model, plan).blocks[context.blockIndex];
}

function weightQParams(weight: tf.Tensor, args: QuantArgs, config: AdaroundConfig, name: string): QParams {
  return tf.tidy(() => {
    const matrix = matrixView(weight);
    if (!config.mseSearch) return chooseQParams(matrix, args, name);
    const { scale, zeroPoint } = searchClipQParams(matrix, args, config.mseSearch, name);
    return { scale, zeroPoint };
  });
}

interface LayerJob {
  target: LayerTarget;
  inputs: LayerSamples;
  outputs: LayerSamples;
  onIteration: (iteration: number, loss: number) => void;
}

/** Optimises one layer's rounding, sets its QuantizedTensor and reports. */
function reconstructTarget(job: LayerJob, config: AdaroundConfig, args: QuantArgs): TargetReport {
  const started = performance.now();
  const { target } = job;
  const weight = target.weight();
  const qparams = weightQParams(weight, args, config, target.name);
  const inputs = samplesTensor(job.inputs);
  const targets = samplesTensor(job.outputs);
  let result: LayerResult;
  try {
    const solve = config.method === 'flexround' ? flexroundLayer : adaroundLayer;
    const apply = (x: tf.Tensor, w: tf.Tensor) => target.apply(x, w);
    result = solve(
      {
        weight,
        args,
        qparams,
        inputs,
        targets,
        apply,
        name: target.name,
        bias: target.bias?.read(),
        activation: target.activation,
      },
      config,
      job.onIteration,
    );
  } finally {
    tf.dispose([weight, inputs, targets]);
    disposeQParams(qparams);
  }
  target.setWeight(result.quantized);
  return {
    target: target.name,
    nearestLoss: result.nearestLoss,
    adaroundLoss: result.loss,
    flipped: result.flipped,
    relativeError: result.relativeError,
    samples: job.inputs.count,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The float model's layer outputs (and inputs, for 'float' mode), captured one target at a time. */
function floatReferences(
  block: Block,
  targets: LayerTarget[],
  batches: readonly tf.Tensor[],
  config: AdaroundConfig,
) {
  const references = new Map<string, { inputs?: LayerSamples; outputs: LayerSamples }>();
  for (const target of targets) {
    const inputs = captureLayerInputs(block, batches, target, config.samples);
    const weight = target.weight();
    try {
      const outputs = layerOutputs(inputs, weight, (x, w) => target.apply(x, w));
      references.set(target.name, { inputs: config.inputs === 'float' ? inputs : undefined, outputs });
    } finally {
      weight.dispose();
    }
  }
  return references;
}

/**
 * AdaRound (Nagel et al., 2020) — or FlexRound (Lee et al., 2023) with method 'flexround' — as a
 * pipeline modifier. Per block: the float outputs Y of every selected target are captured first
 * (one target at a time, kept outside tfjs); then target by target, in execution order, the input X
 * is re-captured from the block with the earlier targets already hardened (inputs 'quantized', with
 * the `activations` plan's fake-quantization when given) or taken from the float capture (inputs
 * 'float'), the rounding is optimised to reconstruct Y, and the target's weight becomes a
 * QuantizedTensor over its 2-D [out, in·kh·kw] view. Targets outside the blocks are left alone.
 */
export function adaround(options: AdaroundModifierOptions = {}): Modifier {
  const { activations, filter, ...configInput } = options;
  const config = adaroundConfig(configInput);
  if (activations && config.inputs === 'float') {
    throw new LowbitError(
      'BAD_ARGS',
      "activations fake-quantize the captured layer inputs, which inputs: 'float' does not use; drop activations or set inputs: 'quantized'.",
    );
  }
  const args = weightArgs(config);
  const selected = (t: QuantTarget) => LAYER_KINDS.has(t.kind) && (filter ? filter(t) : true);
  const reports: TargetReport[] = [];
  let started = 0;

  const applyBlock = (block: Block, context: ModifierContext) => {
    const targets = block.targets.filter(selected).map(requireApply);
    if (targets.length === 0) return;
    requireCalibration(context, block);
    const references = floatReferences(block, targets, context.inputs, config);
    const source = config.inputs === 'quantized' ? sourceBlock(block, context, activations) : block;
    const total = targets.length * config.iterations;
    targets.forEach((target, index) => {
      const reference = references.get(target.name)!;
      const inputs = reference.inputs ?? captureLayerInputs(source, context.inputs, target, config.samples);
      const onIteration = (iteration: number, loss: number) =>
        context.onProgress?.({
          stage: 'adaround',
          done: index * config.iterations + iteration,
          total,
          note: `${target.name} loss ${loss.toExponential(3)}`,
        });
      reports.push(
        reconstructTarget({ target, inputs, outputs: reference.outputs, onIteration }, config, args),
      );
      references.delete(target.name);
    });
  };

  return {
    name: 'adaround',
    needsCalibration: true,
    initialize: (model: QuantModel) => {
      reports.length = 0;
      started = performance.now();
      for (const block of model.blocks) block.targets.filter(selected).forEach(requireApply);
    },
    applyBlock,
    finalize: (): ModifierReport => ({
      modifier: 'adaround',
      config: { ...config, weightArgs: args, activations: activations?.name },
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
    }),
  };
}
