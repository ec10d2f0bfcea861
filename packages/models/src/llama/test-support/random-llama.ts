import { mulberry32 } from '@lowbit/core-tensor';
import { LLAMA2C_NORM_EPS, LLAMA2C_ROPE_THETA, type LlamaConfig } from '../config';
import { LlamaModel } from '../llama-model';
import { allocateWeights } from '../weights';

/** A small config: MHA, separate classifier unless overridden. */
export function smallConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  return {
    dim: 16,
    hiddenDim: 24,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 4,
    vocabSize: 40,
    seqLen: 32,
    normEps: LLAMA2C_NORM_EPS,
    ropeTheta: LLAMA2C_ROPE_THETA,
    tiedEmbeddings: false,
    ...overrides,
  };
}

/** A model with seeded random weights: linears U(−0.5, 0.5), norms U(0.5, 1.5). */
export function randomLlama(config: LlamaConfig, seed = 1): LlamaModel {
  const random = mulberry32(seed);
  const weights = allocateWeights(config);
  const fill = (a: Float32Array, offset: number) => {
    for (let i = 0; i < a.length; i++) a[i] = random() - 0.5 + offset;
  };
  fill(weights.tokenEmbedding, 0);
  fill(weights.finalNorm, 1);
  if (weights.classifier) fill(weights.classifier, 0);
  for (const layer of weights.layers) {
    fill(layer.attentionNorm, 1);
    fill(layer.ffnNorm, 1);
    for (const w of Object.values(layer.linears)) fill(w, 0);
  }
  return new LlamaModel('random', config, weights);
}
