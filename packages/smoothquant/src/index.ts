// The activation plan lives in core-tensor (shared with static-quant and qat); re-exported for compatibility.
export {
  type ActivationQParams,
  type ActivationQuantizer,
  type ActivationQuantPlan,
  fakeQuantizePerTensor,
  fakeQuantizePerToken,
  withActivationQuantization,
} from '@lowbit/core-tensor';
export { ALPHA_GRID, type SmoothQuantConfig, type SmoothQuantOptions, smoothQuantConfig } from './config';
export { MIN_SCALE, smoothingScales, weightColumnAbsMax } from './smoothing-scales';
export { smoothquant } from './smoothquant-modifier';
export { PER_TOKEN_ARGS, WEIGHT_ARGS } from './w8a8-args';
export { w8a8Dynamic } from './w8a8-dynamic';
export { type W8A8StaticOptions, w8a8Static } from './w8a8-static';
