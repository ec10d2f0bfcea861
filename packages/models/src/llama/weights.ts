import { kvDim, type LlamaConfig } from './config';

/** The quantizable linear layers of a decoder layer, in llama2.c order. */
export const LINEAR_NAMES = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

const MODULE_OF: Record<LinearName, string> = {
  wq: 'attention',
  wk: 'attention',
  wv: 'attention',
  wo: 'attention',
  w1: 'feed_forward',
  w2: 'feed_forward',
  w3: 'feed_forward',
};

/** The LlamaModel target name of a layer's linear, e.g. layers.0.attention.wq. */
export function llamaTargetName(layer: number, name: LinearName): string {
  return `layers.${layer}.${MODULE_OF[name]}.${name}`;
}

/** One decoder layer's weights; linears are row-major [out, in], llama2.c's interleaved RoPE layout. */
export interface LlamaLayerWeights {
  attentionNorm: Float32Array;
  ffnNorm: Float32Array;
  linears: Record<LinearName, Float32Array>;
}

export interface LlamaWeights {
  /** [vocab, dim] */
  tokenEmbedding: Float32Array;
  layers: LlamaLayerWeights[];
  finalNorm: Float32Array;
  /** [vocab, dim]; absent when the classifier is the token embedding. */
  classifier?: Float32Array;
}

/** [out, in] of a layer's linear. */
export function linearShape(config: LlamaConfig, name: LinearName): [number, number] {
  const { dim, hiddenDim } = config;
  switch (name) {
    case 'wq':
    case 'wo':
      return [dim, dim];
    case 'wk':
    case 'wv':
      return [kvDim(config), dim];
    case 'w1':
    case 'w3':
      return [hiddenDim, dim];
    case 'w2':
      return [dim, hiddenDim];
  }
}

function zeros(shape: readonly number[]): Float32Array {
  return new Float32Array(shape.reduce((a, b) => a * b, 1));
}

/** Zero-filled weights of the config's shapes, for loaders to fill. */
export function allocateWeights(config: LlamaConfig): LlamaWeights {
  const { dim, vocabSize } = config;
  const layer = (): LlamaLayerWeights => ({
    attentionNorm: zeros([dim]),
    ffnNorm: zeros([dim]),
    linears: Object.fromEntries(LINEAR_NAMES.map((n) => [n, zeros(linearShape(config, n))])) as Record<
      LinearName,
      Float32Array
    >,
  });
  return {
    tokenEmbedding: zeros([vocabSize, dim]),
    layers: Array.from({ length: config.nLayers }, layer),
    finalNorm: zeros([dim]),
    classifier: config.tiedEmbeddings ? undefined : zeros([vocabSize, dim]),
  };
}

/** What is wrong with user-supplied weights for `config`, or undefined. */
export function weightProblem(config: LlamaConfig, weights: LlamaWeights): string | undefined {
  const { dim, vocabSize, tiedEmbeddings } = config;
  if (weights.layers.length !== config.nLayers)
    return `${weights.layers.length} layers, config says ${config.nLayers}`;
  const checks: [string, Float32Array | undefined, number | undefined][] = [
    ['tokenEmbedding', weights.tokenEmbedding, vocabSize * dim],
    ['finalNorm', weights.finalNorm, dim],
    ['classifier', weights.classifier, tiedEmbeddings ? undefined : vocabSize * dim],
  ];
  weights.layers.forEach((layer, i) => {
    checks.push(
      [`layers.${i}.attentionNorm`, layer.attentionNorm, dim],
      [`layers.${i}.ffnNorm`, layer.ffnNorm, dim],
    );
    for (const n of LINEAR_NAMES) {
      const [rows, cols] = linearShape(config, n);
      checks.push([`layers.${i}.${n}`, layer.linears[n], rows * cols]);
    }
  });
  for (const [name, array, length] of checks) {
    if (array?.length !== length)
      return `${name} has ${array?.length ?? 'no'} values, expected ${length ?? 'none'}`;
  }
  return undefined;
}
