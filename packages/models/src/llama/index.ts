export { configProblem, headSize, LLAMA2C_NORM_EPS, LLAMA2C_ROPE_THETA, type LlamaConfig } from './config';
export { type GenerateOptions, type GenerateResult, generate } from './generate';
export { type HfConfigJsonOptions, hfConfigJson } from './hf-config';
export { loadHfLlama, saveHfLlama } from './hf-llama';
export {
  HF_CLASSIFIER,
  HF_CONFIG_FILE,
  HF_EMBEDDING,
  HF_FINAL_NORM,
  HF_LINEAR_NAMES,
  HF_NORM_NAMES,
  HF_WEIGHTS_FILE,
  hfLayerName,
  hfLinearName,
  hfNormName,
  type LayerNormName,
} from './hf-names';
export {
  gatherRows,
  halvesRowSource,
  halvesToInterleaved,
  interleavedToHalves,
  inverseOrder,
} from './hf-permute';
export { LlamaBlock } from './llama-block';
export { LlamaModel } from './llama-model';
export { type LoadLlamaOptions, loadLlama2c, saveLlama2c } from './llama2c';
export { type PerplexityResult, perplexity } from './perplexity';
export { type RopeAngles, ropeAngles } from './rope';
export { type SyntheticLlamaOptions, writeSyntheticLlama2c } from './synthetic';
export {
  LINEAR_NAMES,
  type LinearName,
  type LlamaLayerWeights,
  type LlamaWeights,
  linearShape,
  llamaTargetName,
} from './weights';
