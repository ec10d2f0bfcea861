import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LowbitError } from '@lowbit/core-tensor';
import {
  type ImageClassificationData,
  loadImageClassification,
  readTextLines,
  tokenWindows,
} from '@lowbit/models';
import type { LoadedModel } from './model-kinds/index';
import { llamaOf, tokenizerFor, tokenizerPath } from './tokenizer';

/** Evaluation data already read: token windows for a causal LM, labelled images for a classifier. */
export type EvalSet =
  | { kind: 'text'; path: string; windows: Int32Array[]; lines: number }
  | { kind: 'images'; path: string; labels: string; data: ImageClassificationData };

export interface EvalDataOptions {
  /** A text file (one document per line) or an IDX images file. */
  data: string;
  /** The IDX labels file (default: inferred from `data`). */
  labels?: string;
  /** Use only the first `limit` lines or images. */
  limit?: number;
  tokenizer?: string;
}

/** `…images-idx3…` → `…labels-idx1…` beside it, as Fashion-MNIST / MNIST name their files. */
export function inferLabelsPath(images: string): string {
  const name = basename(images);
  if (!name.includes('images-idx3')) {
    throw new LowbitError(
      'BAD_ARGS',
      `Cannot infer the labels file of ${images} (its name has no "images-idx3"); pass --labels FILE.`,
    );
  }
  const labels = join(dirname(images), name.replace('images-idx3', 'labels-idx1'));
  if (!existsSync(labels)) {
    throw new LowbitError(
      'MISSING_FILE',
      `Labels file ${labels} (inferred from ${images}) not found; pass --labels FILE.`,
      {
        path: labels,
      },
    );
  }
  return labels;
}

function textSet(loaded: LoadedModel, options: EvalDataOptions): EvalSet {
  const { seqLen } = llamaOf(loaded, 'Perplexity').config;
  const tokenizer = tokenizerFor(loaded, tokenizerPath(loaded, options.tokenizer), 'Perplexity');
  const lines = readTextLines(options.data).slice(0, options.limit);
  return {
    kind: 'text',
    path: options.data,
    windows: tokenWindows(lines, tokenizer, { seqLen }),
    lines: lines.length,
  };
}

function imageSet(options: EvalDataOptions): EvalSet {
  const labels = options.labels ?? inferLabelsPath(options.data);
  const data = loadImageClassification(options.data, labels, { limit: options.limit });
  return { kind: 'images', path: options.data, labels, data };
}

/** Reads the evaluation data a model's task calls for. */
export function loadEvalSet(loaded: LoadedModel, options: EvalDataOptions): EvalSet {
  return loaded.model.task === 'causal-lm' ? textSet(loaded, options) : imageSet(options);
}
