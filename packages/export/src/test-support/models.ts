import {
  forwardModel,
  fromFloat16Bits,
  LowbitError,
  mulberry32,
  perGroup,
  QuantizedTensor,
  type QuantModel,
  quantArgs,
  runRecipe,
  testDataPath,
  tf,
  toFloat16Bits,
} from '@lowbit/core-tensor';
import {
  LINEAR_NAMES,
  type LinearName,
  type LlamaConfig,
  LlamaModel,
  type LlamaWeights,
  linearShape,
  loadLlama2c,
} from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

export const storiesPath = testDataPath('llm/stories260K.bin');

export function loadStories(): LlamaModel {
  if (!storiesPath) throw new LowbitError('MISSING_FILE', 'stories260K.bin is missing');
  return loadLlama2c(storiesPath);
}

/** dim 64, hidden 96, 4 heads over 2 kv heads: every dimension packs into int32 words at 2–8 bits. */
export function smallConfig(overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  return {
    dim: 64,
    hiddenDim: 96,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    vocabSize: 40,
    seqLen: 32,
    normEps: 1e-5,
    ropeTheta: 10000,
    tiedEmbeddings: false,
    ...overrides,
  };
}

/** A llama with seeded random weights: linears U(−0.25, 0.25), norms U(0.75, 1.25). */
export function randomLlama(config: LlamaConfig, seed = 1): LlamaModel {
  const random = mulberry32(seed);
  const fill = (n: number, center = 0) =>
    Float32Array.from({ length: n }, () => (random() - 0.5) / 2 + center);
  const { dim, vocabSize } = config;
  const weights: LlamaWeights = {
    tokenEmbedding: fill(vocabSize * dim),
    layers: Array.from({ length: config.nLayers }, () => ({
      attentionNorm: fill(dim, 1),
      ffnNorm: fill(dim, 1),
      linears: Object.fromEntries(
        LINEAR_NAMES.map((n) => [n, fill(linearShape(config, n).reduce((a, b) => a * b))]),
      ) as Record<LinearName, Float32Array>,
    })),
    finalNorm: fill(dim, 1),
    classifier: config.tiedEmbeddings ? undefined : fill(vocabSize * dim),
  };
  return new LlamaModel('random', config, weights);
}

/**
 * Act-order style quantization of a [out, in] weight: columns take groups in a random order
 * (g_idx[perm[j]] = ⌊j / groupSize⌋), asymmetric min/max qparams per (row, group).
 */
export function actOrderQuantize(
  w: Float32Array,
  shape: [number, number],
  bits: number,
  groupSize: number,
  seed: number,
) {
  const [out, inputs] = shape;
  const random = mulberry32(seed);
  const perm = Int32Array.from({ length: inputs }, (_, i) => i);
  for (let i = inputs - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const gIdx = new Int32Array(inputs);
  perm.forEach((k, j) => {
    gIdx[k] = Math.floor(j / groupSize);
  });
  const groups = Math.ceil(inputs / groupSize);
  const max = 2 ** bits - 1;
  const scale = new Float32Array(out * groups);
  const zeroPoint = new Float32Array(out * groups);
  for (let o = 0; o < out; o++) {
    for (let g = 0; g < groups; g++) {
      const values = Array.from(gIdx.keys())
        .filter((k) => gIdx[k] === g)
        .map((k) => w[o * inputs + k]);
      const lo = Math.min(0, ...values);
      const hi = Math.max(0, ...values);
      scale[o * groups + g] = (hi - lo) / max;
      zeroPoint[o * groups + g] = Math.min(max, Math.max(0, Math.round(-lo / scale[o * groups + g])));
    }
  }
  const codes = Int32Array.from(w, (v, i) => {
    const p = Math.floor(i / inputs) * groups + gIdx[i % inputs];
    return Math.min(max, Math.max(0, Math.round(v / scale[p]) + zeroPoint[p]));
  });
  const args = quantArgs({ bits, symmetric: false, granularity: perGroup(groupSize, 1) });
  return new QuantizedTensor({ shape, args, codes, scale, zeroPoint, gIdx, perm });
}

/** Quantizes every decoder linear of `model` with {@link actOrderQuantize}. */
export function quantizeActOrder(model: LlamaModel, bits: number, groupSize: number): void {
  model.blocks.forEach((block, b) => {
    block.targets.forEach((target, t) => {
      const shape = target.shape as [number, number];
      target.setWeight(actOrderQuantize(target.values, shape, bits, groupSize, 100 * b + t));
    });
  });
}

/** lowbit's logits for token ids [B][T], flattened. */
export function lowbitLogits(model: QuantModel, ids: readonly (readonly number[])[]): Float32Array {
  return tf.tidy(
    () => forwardModel(model, tf.tensor2d(ids as number[][], undefined, 'int32')).dataSync() as Float32Array,
  );
}

/** x rounded to the nearest float16 value. */
export const fp16 = (x: number): number => fromFloat16Bits(toFloat16Bits(x));

/** A random small llama with RTN applied to its decoder linears. */
export function rtnModel(options: Parameters<typeof rtn>[0], seed = 1): LlamaModel {
  const model = randomLlama(smallConfig(), seed);
  runRecipe(model, [rtn(options)]);
  return model;
}

/** The model's block targets, in order. */
export function targets(model: LlamaModel) {
  return model.blocks.flatMap((b) => b.targets);
}
