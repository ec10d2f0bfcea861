import {
  type Block,
  type Modifier,
  type ModifierContext,
  type ModifierReport,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import { searchAlpha } from './alpha-search';
import { w8a8BlockMse } from './block-mse';
import { ChannelRange } from './channel-range';
import { ALPHA_GRID, type SmoothQuantConfig, type SmoothQuantOptions, smoothQuantConfig } from './config';
import { foldSmoothing } from './fold';
import { divisorsOf, type SmoothingPlan, scalesAt, smoothingPlans } from './smoothing-plan';

interface AlphaChoice {
  alpha: number;
  /** 'auto': the block-output MSE under W8A8 at α, and without smoothing. */
  mse?: number;
  unsmoothedMse?: number;
}

/** The grid α whose smoothing gives the smallest block-output MSE under W8A8. */
function searchBlockAlpha(
  block: Block,
  inputs: readonly tf.Tensor[],
  plans: readonly SmoothingPlan[],
  ranges: ReadonlyMap<string, ChannelRange>,
  config: SmoothQuantConfig,
): AlphaChoice {
  const references = inputs.map((x) => block.forward(x));
  try {
    const calibration = { block, inputs, references, ranges, activationArgs: config.activationArgs };
    const best = searchAlpha(ALPHA_GRID, (alpha) =>
      w8a8BlockMse(calibration, divisorsOf(plans, scalesAt(plans, alpha))),
    );
    return { ...best, unsmoothedMse: w8a8BlockMse(calibration, new Map()) };
  } finally {
    tf.dispose(references);
  }
}

function extremes(scales: readonly Float32Array[]): { minScale: number; maxScale: number } {
  const all = scales.flatMap((s) => Array.from(s));
  return { minScale: Math.min(...all), maxScale: Math.max(...all) };
}

/**
 * SmoothQuant (Xiao et al., 2022) as a pipeline modifier: per block it records the range of every
 * linear's calibration inputs, then for each norm → linears mapping computes
 * s_j = max|X_j|^α / max|W_j|^(1−α) and folds it (the norm's channel j divided by s_j, the linears'
 * input column j multiplied by it), leaving the float model unchanged but its activations easier
 * to quantize. `alpha: 'auto'` picks α per block from ALPHA_GRID by the block-output MSE under
 * simulated W8A8, as Intel Neural Compressor's auto-tuning does. Reports per block: α, the scale
 * extremes and, for 'auto', the MSE at α and without smoothing. Put it before weight quantization.
 */
export function smoothquant(options: SmoothQuantOptions = {}): Modifier {
  const config = smoothQuantConfig(options);
  const ranges = new Map<string, ChannelRange>();
  const reports: TargetReport[] = [];
  let started = 0;
  return {
    name: 'smoothquant',
    needsCalibration: true,
    initialize: () => {
      ranges.clear();
      reports.length = 0;
      started = performance.now();
    },
    observe: (block: Block, target: string, input: tf.Tensor) => {
      if (block.targets.find((t) => t.name === target)?.kind !== 'linear') return;
      const range = ranges.get(target) ?? new ChannelRange(input.shape[input.rank - 1]);
      range.add(input, target);
      ranges.set(target, range);
    },
    applyBlock: (block: Block, context: ModifierContext) => {
      const blockStarted = performance.now();
      try {
        const plans = smoothingPlans(block, ranges, config.includeLinearMappings);
        if (plans.length === 0) return;
        const choice: AlphaChoice =
          config.alpha === 'auto'
            ? searchBlockAlpha(block, context.inputs, plans, ranges, config)
            : { alpha: config.alpha };
        const scales = scalesAt(plans, choice.alpha);
        plans.forEach((p, i) => {
          foldSmoothing(p.mapping, p.balance, scales[i]);
        });
        reports.push({
          target: block.name,
          ...choice,
          ...extremes(scales),
          smoothed: plans.map((p) => p.mapping.smooth).join(', '),
          seconds: (performance.now() - blockStarted) / 1000,
        });
      } finally {
        ranges.clear();
      }
    },
    finalize: (): ModifierReport => ({
      modifier: 'smoothquant',
      config: { ...config },
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
    }),
  };
}
