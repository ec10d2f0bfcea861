import type {
  Block,
  Modifier,
  ModifierReport,
  QuantModel,
  QuantTarget,
  TargetReport,
} from '@lowbit/core-tensor';
import { tf } from '@lowbit/core-tensor';
import { type RtnConfigInput, rtnConfig } from './config';
import { rtnQuantizeTensor } from './quantize-tensor';

export interface RtnModifierOptions extends RtnConfigInput {
  /** Also quantize the targets outside the blocks (token embedding, classifier). Default false. */
  includeOuter?: boolean;
  /** Keep only the targets this returns true for (default: every linear/conv/depthwise target). */
  filter?: (target: QuantTarget) => boolean;
}

const WEIGHT_KINDS = new Set(['linear', 'conv2d', 'depthwise', 'embedding']);

/** Quantizes one target in place, as a 2-D [out, in·kh·kw] view, and reports its error. */
function quantizeTarget(target: QuantTarget, options: RtnModifierOptions): TargetReport {
  const started = performance.now();
  const [out, ...rest] = target.shape;
  const weight = tf.tidy(
    () => tf.reshape(target.weight(), [out, rest.reduce((a, b) => a * b, 1)]) as tf.Tensor2D,
  );
  const result = rtnQuantizeTensor(weight, options, target.name);
  weight.dispose();
  target.setWeight(result.quantized);
  return {
    target: target.name,
    relativeError: result.relativeError,
    sizeBytes: result.sizeBytes,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * RTN as a pipeline modifier: needs no calibration data and quantizes each block's targets when
 * the pipeline reaches it (embedding and classifier only with `includeOuter`).
 */
export function rtn(options: RtnModifierOptions = {}): Modifier {
  const { includeOuter = false, filter, ...configInput } = options;
  const config = rtnConfig(configInput);
  const selected = (t: QuantTarget) =>
    WEIGHT_KINDS.has(t.kind) && (filter ? filter(t) : t.kind !== 'embedding');
  const reports: TargetReport[] = [];
  let started = 0;
  return {
    name: 'rtn',
    needsCalibration: false,
    initialize: () => {
      reports.length = 0;
      started = performance.now();
    },
    applyBlock: (block: Block) => {
      for (const target of block.targets.filter(selected)) reports.push(quantizeTarget(target, config));
    },
    finalize: (model: QuantModel): ModifierReport => {
      if (includeOuter) {
        for (const target of model.outerTargets.filter((t) => !filter || filter(t))) {
          reports.push(quantizeTarget(target, config));
        }
      }
      return {
        modifier: 'rtn',
        config: { ...config, includeOuter },
        targets: reports.slice(),
        seconds: (performance.now() - started) / 1000,
      };
    },
  };
}
