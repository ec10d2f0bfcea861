import { closeSync, fstatSync, openSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LowbitError, writeAll, writeFileAtomic } from '@lowbit/core-tensor';
import { assertFileExists } from '../text/files';
import { readBytesAt, readFloats, writeFloats } from './binary-io';
import {
  configProblem,
  headSize,
  kvDim,
  LLAMA2C_NORM_EPS,
  LLAMA2C_ROPE_THETA,
  type LlamaConfig,
} from './config';
import { LlamaModel } from './llama-model';
import { type RopeAngles, ropeAngles } from './rope';
import { allocateWeights, type LlamaWeights } from './weights';

const HEADER_FIELDS = [
  'dim',
  'hidden_dim',
  'n_layers',
  'n_heads',
  'n_kv_heads',
  'vocab_size',
  'seq_len',
] as const;
const HEADER_BYTES = HEADER_FIELDS.length * 4;
const FIX = "Export it with llama2.c's export.py --version 0 (the legacy format, with freq_cis).";

export interface LoadLlamaOptions {
  /** The model's name (default: the file or folder name). */
  name?: string;
}

function describeHeader(config: LlamaConfig): string {
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, tiedEmbeddings } = config;
  const classifier = tiedEmbeddings ? 'shared' : 'separate';
  return `dim ${dim}, hidden_dim ${hiddenDim}, n_layers ${nLayers}, n_heads ${nHeads}, n_kv_heads ${nKvHeads}, vocab_size ${vocabSize} (${classifier} classifier), seq_len ${seqLen}`;
}

/** The config of a header of seven int32; a negative vocab_size means a separate classifier. */
function configFromHeader(header: Int32Array, path: string): LlamaConfig {
  HEADER_FIELDS.forEach((field, i) => {
    const valid = field === 'vocab_size' ? header[i] !== 0 : header[i] > 0;
    if (!valid) {
      throw new LowbitError(
        'BAD_FILE',
        `${path}: header field ${field} is ${header[i]}; dimensions must be positive. ${FIX}`,
      );
    }
  });
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = header;
  const config: LlamaConfig = {
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    vocabSize: Math.abs(vocab),
    seqLen,
    normEps: LLAMA2C_NORM_EPS,
    ropeTheta: LLAMA2C_ROPE_THETA,
    tiedEmbeddings: vocab > 0,
  };
  const problem = configProblem(config);
  if (problem)
    throw new LowbitError(
      'BAD_FILE',
      `${path}: header (${describeHeader(config)}) is invalid: ${problem}. ${FIX}`,
    );
  return config;
}

/** Floats after the header, in llama2.c order (computed without allocating). */
function floatCount(config: LlamaConfig): number {
  const { dim, hiddenDim, nLayers, vocabSize, seqLen, tiedEmbeddings } = config;
  const perLayer = 2 * dim + 2 * dim * dim + 2 * kvDim(config) * dim + 3 * hiddenDim * dim;
  const classifiers = tiedEmbeddings ? 1 : 2;
  return classifiers * vocabSize * dim + nLayers * perLayer + dim + seqLen * headSize(config);
}

/** The arrays of a llama2.c checkpoint in file order; layers' tensors are stacked per kind. */
function fileOrder(weights: LlamaWeights, rope: RopeAngles): Float32Array[] {
  const { layers } = weights;
  return [
    weights.tokenEmbedding,
    ...layers.map((l) => l.attentionNorm),
    ...layers.map((l) => l.linears.wq),
    ...layers.map((l) => l.linears.wk),
    ...layers.map((l) => l.linears.wv),
    ...layers.map((l) => l.linears.wo),
    ...layers.map((l) => l.ffnNorm),
    ...layers.map((l) => l.linears.w1),
    ...layers.map((l) => l.linears.w2),
    ...layers.map((l) => l.linears.w3),
    weights.finalNorm,
    rope.cos,
    rope.sin,
    ...(weights.classifier ? [weights.classifier] : []),
  ];
}

function readHeader(fd: number, size: number, path: string): LlamaConfig {
  if (size < HEADER_BYTES) {
    throw new LowbitError(
      'BAD_FILE',
      `${path} is truncated: ${size} bytes, shorter than the ${HEADER_BYTES}-byte header. ${FIX}`,
    );
  }
  const header = new Int32Array(HEADER_FIELDS.length);
  readBytesAt(fd, new Uint8Array(header.buffer), 0);
  const config = configFromHeader(header, path);
  const expected = HEADER_BYTES + 4 * floatCount(config);
  if (size < expected) {
    throw new LowbitError(
      'BAD_FILE',
      `${path} is truncated or its header is wrong: the header (${describeHeader(config)}) needs ${expected} bytes but the file has ${size}. Re-download the file, or ${FIX}`,
    );
  }
  if (size > expected) {
    throw new LowbitError(
      'BAD_FILE',
      `${path}: the header's dims (${describeHeader(config)}) disagree with the file size: they need ${expected} bytes but the file has ${size}. ${FIX}`,
    );
  }
  return config;
}

/** Loads a llama2.c checkpoint (legacy v0 format: header, fp32 tensors, freq_cis, optional wcls). */
export function loadLlama2c(path: string, options: LoadLlamaOptions = {}): LlamaModel {
  assertFileExists(path, 'llama2.c checkpoint');
  const fd = openSync(path, 'r');
  try {
    const config = readHeader(fd, fstatSync(fd).size, path);
    const weights = allocateWeights(config);
    // The stored freq_cis is read but unused: the model computes the same angles itself.
    const anglesLength = (config.seqLen * headSize(config)) / 2;
    const storedRope = { cos: new Float32Array(anglesLength), sin: new Float32Array(anglesLength) };
    let position = HEADER_BYTES;
    for (const array of fileOrder(weights, storedRope)) {
      readFloats(fd, array, position);
      position += array.byteLength;
    }
    return new LlamaModel(options.name ?? basename(path, extname(path)), config, weights);
  } finally {
    closeSync(fd);
  }
}

/** Writes `model` as a llama2.c checkpoint (temp file, then rename). */
export function saveLlama2c(model: LlamaModel, path: string): void {
  const { config } = model;
  if (config.normEps !== LLAMA2C_NORM_EPS || config.ropeTheta !== LLAMA2C_ROPE_THETA) {
    throw new LowbitError(
      'BAD_ARGS',
      `llama2.c checkpoints fix rms eps ${LLAMA2C_NORM_EPS} and rope theta ${LLAMA2C_ROPE_THETA}; ${model.name} has ${config.normEps} and ${config.ropeTheta}. Save it with saveHfLlama instead.`,
    );
  }
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, tiedEmbeddings } = config;
  const header = Int32Array.of(
    dim,
    hiddenDim,
    nLayers,
    nHeads,
    nKvHeads,
    tiedEmbeddings ? vocabSize : -vocabSize,
    seqLen,
  );
  const rope = ropeAngles(seqLen, headSize(config), config.ropeTheta);
  writeFileAtomic(
    path,
    (fd) => {
      writeAll(fd, new Uint8Array(header.buffer));
      for (const array of fileOrder(model.weights(), rope)) writeFloats(fd, array);
    },
    { overwrite: true },
  );
}
