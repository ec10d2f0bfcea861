import {
  type Block,
  LowbitError,
  type Mapping,
  type Modifier,
  type QuantTarget,
  type TargetReport,
  tf,
} from '@lowbit/core-tensor';
import {
  equalizationScales,
  inputChannelRanges,
  outputChannelRanges,
  scaleInputChannels,
} from './equalize-math';
import type { TransformReport } from './report';

export interface EqualizeCrossLayerOptions {
  /** Most passes over the chain of pairs (default 20); one pass equalizes each pair once. */
  iterations?: number;
  /** Stop once no scale of a pass differs from 1 by more than this (default 1e-4). */
  tolerance?: number;
}

interface Pair {
  mapping: Mapping;
  smooth: QuantTarget;
  balance: QuantTarget[];
}

const LAYER_KINDS = new Set(['conv2d', 'linear']);

function values(target: QuantTarget): Float32Array {
  const weight = target.weight();
  const data = Float32Array.from(weight.dataSync());
  weight.dispose();
  return data;
}

function setValues(target: QuantTarget, data: Float32Array): void {
  const weight = tf.tensor(data, target.shape as number[]);
  try {
    target.setWeight(weight);
  } finally {
    weight.dispose();
  }
}

/** Why a mapping cannot be equalized, or undefined when it can. */
function skipReason(block: Block, mapping: Mapping, targets: Map<string, QuantTarget>): string | undefined {
  const smooth = targets.get(mapping.smooth);
  const balance = mapping.balance.map((name) => targets.get(name));
  if (!smooth || balance.some((t) => !t)) return 'its smooth layer is not a target (a norm mapping)';
  if (!LAYER_KINDS.has(smooth.kind) || balance.some((t) => !LAYER_KINDS.has(t!.kind)))
    return 'depthwise layers are not equalized';
  const channels = smooth.shape[0];
  if (balance.some((t) => t!.shape[1] !== channels))
    return `the next layer's ${balance.map((t) => t!.shape[1]).join('/')} inputs are not the ${channels} output channels (grouped conv or flatten)`;
  if ((block.batchNorms ?? []).some((site) => site.target === smooth.name))
    return `batch norm after "${smooth.name}" is not folded; run foldBatchNorms() first`;
  return undefined;
}

function assertFloat(pair: Pair): void {
  for (const target of [pair.smooth, ...pair.balance]) {
    if (target.quantized) {
      throw new LowbitError(
        'BAD_ARGS',
        `"${target.name}" is already quantized; put equalizeCrossLayer() before the quantizing modifier in the recipe.`,
      );
    }
  }
}

/** Equalizes one pair; returns the largest |log s| applied. */
function equalizePair({ mapping, smooth, balance }: Pair): number {
  const channels = smooth.shape[0];
  const r1 = outputChannelRanges(values(smooth), channels);
  const weights = balance.map(values);
  const r2 = new Float32Array(channels);
  weights.forEach((w, k) => {
    inputChannelRanges(w, balance[k].shape, channels).forEach((r, i) => {
      r2[i] = Math.max(r2[i], r);
    });
  });
  const s = equalizationScales(r1, r2);
  mapping.divideOutput(s);
  weights.forEach((w, k) => {
    setValues(balance[k], scaleInputChannels(w, balance[k].shape, s));
  });
  return s.reduce((m, v) => Math.max(m, Math.abs(Math.log(v))), 0);
}

function validate({ iterations = 20, tolerance = 1e-4 }: EqualizeCrossLayerOptions) {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new LowbitError('BAD_ARGS', `equalizeCrossLayer: iterations is ${iterations}; use an integer ≥ 1.`);
  }
  if (!(tolerance >= 0)) {
    throw new LowbitError('BAD_ARGS', `equalizeCrossLayer: tolerance is ${tolerance}; use a number ≥ 0.`);
  }
  return { iterations, tolerance };
}

/**
 * Cross-layer equalization (Nagel et al., 2019; AIMET's equalize_model without its BN folding) as
 * a recipe step: for every block mapping whose smooth and balance layers are conv/linear targets
 * (conv/gemm → ReLU / max-pool → conv/gemm), output channel i of the first layer is divided and
 * input channel i of the next multiplied by s[i] = √(r1[i]/r2[i]), so both per-channel ranges
 * become √(r1·r2) and the float model is unchanged. Chains are swept until the scales settle.
 * Other mappings (LLM norms, depthwise, grouped) are skipped with a note. Fold batch norms first.
 */
export function equalizeCrossLayer(options: EqualizeCrossLayerOptions = {}): Modifier & {
  finalize(): TransformReport;
} {
  const config = validate(options);
  const reports: TargetReport[] = [];
  const notes: string[] = [];
  let started = 0;
  const applyBlock = (block: Block) => {
    const targets = new Map(block.targets.map((t) => [t.name, t]));
    const pairs: Pair[] = [];
    for (const mapping of block.mappings) {
      const reason = skipReason(block, mapping, targets);
      if (reason) notes.push(`skipped ${mapping.smooth} → ${mapping.balance.join(', ')}: ${reason}.`);
      else
        pairs.push({
          mapping,
          smooth: targets.get(mapping.smooth)!,
          balance: mapping.balance.map((n) => targets.get(n)!),
        });
    }
    if (pairs.length === 0) {
      notes.push(`block "${block.name}" has no conv/linear pairs to equalize.`);
      return;
    }
    pairs.forEach(assertFloat);
    const blockStarted = performance.now();
    let sweeps = 0;
    let change = Number.POSITIVE_INFINITY;
    while (sweeps < config.iterations && change > config.tolerance) {
      change = Math.max(...pairs.map(equalizePair));
      sweeps++;
    }
    const seconds = (performance.now() - blockStarted) / 1000 / pairs.length;
    for (const pair of pairs)
      reports.push({
        target: pair.smooth.name,
        balance: pair.balance.map((t) => t.name).join(','),
        sweeps,
        lastChange: change,
        seconds,
      });
  };
  return {
    name: 'equalize-cross-layer',
    needsCalibration: false,
    initialize: () => {
      reports.length = 0;
      notes.length = 0;
      started = performance.now();
    },
    applyBlock,
    finalize: (): TransformReport => ({
      modifier: 'equalize-cross-layer',
      config: { ...config },
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
      notes: notes.slice(),
    }),
  };
}
