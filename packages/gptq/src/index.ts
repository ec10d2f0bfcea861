export { defaultGptqConfig, type GptqConfig, type GptqConfigInput, gptqConfig } from './config';
export { gptqQuantArgs } from './gptq-args';
export {
  accumulateHessian,
  accumulateHessianRows,
  createHessian,
  type GptqResult,
  gptqQuantizeWeight,
  type HessianState,
} from './gptq-math';
export { gptq } from './gptq-modifier';
export { outputError } from './output-error';
