/** Shape and hyper-parameters of a llama-style decoder (llama2.c names in camelCase). */
export interface LlamaConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  /** Longest sequence the model runs (llama2.c seq_len, HF max_position_embeddings). */
  seqLen: number;
  /** RMSNorm epsilon (llama2.c: 1e-5). */
  normEps: number;
  /** RoPE base (llama2.c: 10000). */
  ropeTheta: number;
  /** Whether the classifier is the token embedding (llama2.c: positive vocab_size in the header). */
  tiedEmbeddings: boolean;
}

/** llama2.c's fixed RMSNorm epsilon and RoPE base. */
export const LLAMA2C_NORM_EPS = 1e-5;
export const LLAMA2C_ROPE_THETA = 10000;

export function headSize(config: LlamaConfig): number {
  return config.dim / config.nHeads;
}

export function kvDim(config: LlamaConfig): number {
  return headSize(config) * config.nKvHeads;
}

const INTEGER_FIELDS = ['dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'seqLen'] as const;

/** What is wrong with a config, or undefined when it describes a runnable model. */
export function configProblem(config: LlamaConfig): string | undefined {
  for (const field of INTEGER_FIELDS) {
    const value = config[field];
    if (!Number.isInteger(value) || value <= 0) return `${field} is ${value}; it must be a positive integer`;
  }
  const { dim, nHeads, nKvHeads } = config;
  if (dim % nHeads !== 0) return `dim ${dim} is not a multiple of nHeads ${nHeads}`;
  if ((dim / nHeads) % 2 !== 0) return `the head size ${dim / nHeads} is odd; RoPE rotates pairs of channels`;
  if (nHeads % nKvHeads !== 0) return `nHeads ${nHeads} is not a multiple of nKvHeads ${nKvHeads}`;
  if (!(config.normEps > 0)) return `normEps is ${config.normEps}; it must be positive`;
  if (!(config.ropeTheta > 0)) return `ropeTheta is ${config.ropeTheta}; it must be positive`;
  return undefined;
}
