export { configProblem, LLAMA2C_NORM_EPS, LLAMA2C_ROPE_THETA, type LlamaConfig } from './config';
export { type GenerateOptions, type GenerateResult, generate } from './generate';
export { loadHfLlama, saveHfLlama } from './hf-llama';
export { LlamaBlock } from './llama-block';
export { LlamaModel } from './llama-model';
export { type LoadLlamaOptions, loadLlama2c, saveLlama2c } from './llama2c';
export { type PerplexityResult, perplexity } from './perplexity';
export { type SyntheticLlamaOptions, writeSyntheticLlama2c } from './synthetic';
export { LINEAR_NAMES, type LinearName, type LlamaLayerWeights, type LlamaWeights } from './weights';
