import type {
  ActivationQuantizer,
  ActivationQuantPlan,
  Block,
  ModifierReport,
  TargetReport,
} from '@lowbit/core-tensor';
import { linearTargets, quantizeTargetInt8 } from './quantize-weights';
import { PER_TOKEN_ARGS, WEIGHT_ARGS } from './w8a8-args';

const PLAN: ActivationQuantPlan = { mode: 'dynamic', args: PER_TOKEN_ARGS };

/**
 * Dynamic W8A8 as a pipeline modifier: linear weights become int8 per output channel; activations
 * need no calibration, their uint8 per-token qparams are computed from each input at run time
 * (`plan()` for withActivationQuantization; ONNX's DynamicQuantizeLinear, but per token).
 */
export function w8a8Dynamic(): ActivationQuantizer {
  const reports: TargetReport[] = [];
  let started = 0;
  return {
    name: 'w8a8-dynamic',
    needsCalibration: false,
    initialize: () => {
      reports.length = 0;
      started = performance.now();
    },
    applyBlock: (block: Block) => {
      for (const target of linearTargets(block)) reports.push(quantizeTargetInt8(target));
    },
    finalize: (): ModifierReport => ({
      modifier: 'w8a8-dynamic',
      config: { activationArgs: PER_TOKEN_ARGS, weightArgs: WEIGHT_ARGS },
      targets: reports.slice(),
      seconds: (performance.now() - started) / 1000,
    }),
    plan: () => PLAN,
  };
}
