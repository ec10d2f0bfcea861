import type {
  Block,
  Modifier,
  ModifierContext,
  ModifierReport,
  QuantModel,
  QuantTarget,
  TargetReport,
} from '@lowbit/core-tensor';
import { tf } from '@lowbit/core-tensor';
import { type HqqConfig, type HqqConfigInput, hqqConfig } from './config';
import { hqqQuantizeTensor } from './quantize-tensor';

export interface HqqModifierOptions extends HqqConfigInput {
  /** Also quantize the targets outside the blocks (token embedding, classifier). Default false. */
  includeOuter?: boolean;
}

const BLOCK_KINDS = new Set(['linear', 'conv2d', 'depthwise']);

/** Quantizes one target in place, as a 2-D [out, in·kh·kw] view, and reports its errors. */
function quantizeTarget(target: QuantTarget, config: HqqConfig): TargetReport {
  const started = performance.now();
  const [out, ...rest] = target.shape;
  const weight = tf.tidy(
    () => tf.reshape(target.weight(), [out, rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D,
  );
  try {
    const result = hqqQuantizeTensor(weight, config, target.name);
    target.setWeight(result.quantized);
    return {
      target: target.name,
      relativeError: result.relativeError,
      meanAbsErrorBefore: result.meanAbsErrorBefore,
      meanAbsErrorAfter: result.meanAbsErrorAfter,
      iterations: result.iterations,
      sizeBytes: result.sizeBytes,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    weight.dispose();
  }
}

/** Quantizes targets in order, emitting a progress event (stage 'hqq', note = the target) after each. */
function quantizeAll(
  targets: readonly QuantTarget[],
  config: HqqConfig,
  context?: ModifierContext,
): TargetReport[] {
  return targets.map((target, i) => {
    const report = quantizeTarget(target, config);
    context?.onProgress?.({ stage: 'hqq', done: i + 1, total: targets.length, note: target.name });
    return report;
  });
}

/**
 * HQQ as a pipeline modifier: data-free, it quantizes each block's linear and convolution targets
 * when the pipeline reaches the block (the embedding and classifier only with `includeOuter`).
 */
export function hqq(options: HqqModifierOptions = {}): Modifier {
  const { includeOuter = false, ...configInput } = options;
  const config = hqqConfig(configInput);
  const reports: TargetReport[] = [];
  let started = 0;
  return {
    name: 'hqq',
    needsCalibration: false,
    initialize: () => {
      reports.length = 0;
      started = performance.now();
    },
    applyBlock: (block: Block, context: ModifierContext) => {
      reports.push(
        ...quantizeAll(
          block.targets.filter((t) => BLOCK_KINDS.has(t.kind)),
          config,
          context,
        ),
      );
    },
    finalize: (model: QuantModel): ModifierReport => {
      if (includeOuter) reports.push(...quantizeAll(model.outerTargets, config));
      return {
        modifier: 'hqq',
        config: { ...config, includeOuter },
        targets: reports.slice(),
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}
