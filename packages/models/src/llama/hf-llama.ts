import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { bytesFile, LowbitError, writeFilesAtomic } from '@lowbit/core-tensor';
import {
  float32Of,
  readSafetensors,
  type SafetensorsTensor,
  type SafetensorsWriteEntry,
  writeSafetensors,
} from '../safetensors/safetensors';
import { assertFileExists, readJsonFile } from '../text/files';
import type { LlamaConfig } from './config';
import { configFromHf, hfConfigJson } from './hf-config';
import {
  HF_CLASSIFIER,
  HF_CONFIG_FILE,
  HF_EMBEDDING,
  HF_FINAL_NORM,
  HF_WEIGHTS_FILE,
  hfLinearName,
  hfNormName,
} from './hf-names';
import { halvesToInterleaved, interleavedToHalves } from './hf-permute';
import { LlamaModel } from './llama-model';
import type { LoadLlamaOptions } from './llama2c';
import {
  allocateWeights,
  LINEAR_NAMES,
  type LlamaLayerWeights,
  type LlamaWeights,
  linearShape,
} from './weights';

/** Buffers some exports carry that the decoder recomputes. */
const IGNORED = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

/** HF tensor names and shapes of a model, in file order, with lowbit-layout values. */
function hfTensors(config: LlamaConfig, weights: LlamaWeights): Map<string, SafetensorsWriteEntry> {
  const { dim, vocabSize } = config;
  const tensors = new Map<string, SafetensorsWriteEntry>([
    [`${HF_EMBEDDING}.weight`, { shape: [vocabSize, dim], data: weights.tokenEmbedding }],
  ]);
  weights.layers.forEach((layer, i) => {
    tensors.set(`${hfNormName(i, 'attentionNorm')}.weight`, { shape: [dim], data: layer.attentionNorm });
    for (const n of LINEAR_NAMES)
      tensors.set(`${hfLinearName(i, n)}.weight`, { shape: linearShape(config, n), data: layer.linears[n] });
    tensors.set(`${hfNormName(i, 'ffnNorm')}.weight`, { shape: [dim], data: layer.ffnNorm });
  });
  tensors.set(`${HF_FINAL_NORM}.weight`, { shape: [dim], data: weights.finalNorm });
  if (weights.classifier)
    tensors.set(`${HF_CLASSIFIER}.weight`, { shape: [vocabSize, dim], data: weights.classifier });
  return tensors;
}

/** wq and wk rows converted between llama2.c's and HF's RoPE layouts. */
function permuteLayer(
  config: LlamaConfig,
  layer: LlamaLayerWeights,
  convert: typeof interleavedToHalves,
): LlamaLayerWeights {
  const { wq, wk } = layer.linears;
  return {
    ...layer,
    linears: {
      ...layer.linears,
      wq: convert(wq, config.nHeads, config.dim),
      wk: convert(wk, config.nKvHeads, config.dim),
    },
  };
}

/** The expected tensors' values from the file; missing, misshapen or unknown tensors are BAD_FILE. */
function takeTensors(
  expected: Map<string, SafetensorsWriteEntry>,
  stored: Map<string, SafetensorsTensor>,
  path: string,
): void {
  for (const [name, entry] of expected) {
    const tensor = stored.get(name);
    if (!tensor)
      throw new LowbitError(
        'BAD_FILE',
        `${path}: tensor "${name}" is missing; config.json and the weights disagree.`,
      );
    if (tensor.shape.join() !== entry.shape.join()) {
      throw new LowbitError(
        'BAD_FILE',
        `${path}: tensor "${name}" is [${tensor.shape}], config.json implies [${entry.shape}].`,
      );
    }
    entry.data.set(float32Of(tensor, name));
  }
  const unknown = [...stored.keys()].filter(
    (n) => !expected.has(n) && !IGNORED.test(n) && n !== `${HF_CLASSIFIER}.weight`,
  );
  if (unknown.length) {
    throw new LowbitError(
      'BAD_FILE',
      `${path}: unexpected tensors ${unknown.slice(0, 3).join(', ')}…; this is not a plain llama.`,
    );
  }
}

/** Loads an HF llama folder: config.json and a single model.safetensors (F32, F16 or BF16). */
export function loadHfLlama(dir: string, options: LoadLlamaOptions = {}): LlamaModel {
  const configPath = join(dir, HF_CONFIG_FILE);
  const weightsPath = join(dir, HF_WEIGHTS_FILE);
  assertFileExists(configPath, 'HF config');
  assertFileExists(weightsPath, 'HF weights (sharded checkpoints are not supported)');
  const config = configFromHf(readJsonFile(configPath), configPath);
  const weights = allocateWeights(config);
  takeTensors(hfTensors(config, weights), readSafetensors(weightsPath).tensors, weightsPath);
  weights.layers = weights.layers.map((layer) => permuteLayer(config, layer, halvesToInterleaved));
  return new LlamaModel(options.name ?? basename(resolve(dir)), config, weights);
}

/** Writes `model` as an HF llama folder (config.json + model.safetensors, F32), creating `dir`. */
export function saveHfLlama(model: LlamaModel, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { config } = model;
  const current = model.weights();
  const weights = {
    ...current,
    layers: current.layers.map((layer) => permuteLayer(config, layer, interleavedToHalves)),
  };
  writeSafetensors(join(dir, HF_WEIGHTS_FILE), hfTensors(config, weights), { format: 'pt' });
  const json = new TextEncoder().encode(`${JSON.stringify(hfConfigJson(config), null, 2)}\n`);
  writeFilesAtomic([bytesFile(join(dir, HF_CONFIG_FILE), json)], { overwrite: true });
}
