export {
  type ActivationQuantizer,
  type ActivationQuantPlan,
  withActivationQuantization,
} from './activation-plan';
export { ALPHA_GRID, type SmoothQuantConfig, type SmoothQuantOptions, smoothQuantConfig } from './config';
export {
  type ActivationQParams,
  fakeQuantizePerTensor,
  fakeQuantizePerToken,
} from './fake-quantize-activation';
export { MIN_SCALE, smoothingScales, weightColumnAbsMax } from './smoothing-scales';
export { smoothquant } from './smoothquant-modifier';
export { PER_TOKEN_ARGS, WEIGHT_ARGS } from './w8a8-args';
export { w8a8Dynamic } from './w8a8-dynamic';
export { type W8A8StaticOptions, w8a8Static } from './w8a8-static';
