import { LowbitError } from '@lowbit/core-tensor';
import { LlamaModel, loadTokenizer, type Tokenizer } from '@lowbit/models';
import type { LoadedModel } from './model-kinds/index';

/** The loaded model as a llama decoder, or BAD_ARGS naming what `action` needs. */
export function llamaOf(loaded: LoadedModel, action: string): LlamaModel {
  if (loaded.model instanceof LlamaModel) return loaded.model;
  throw new LowbitError(
    'BAD_ARGS',
    `${action} needs a causal language model; ${loaded.path} is a ${loaded.model.task} (${loaded.kind}).`,
  );
}

/** The tokenizer file to use: `--tokenizer`, else the one stored beside the model (lowbit directory, export). */
export function tokenizerPath(loaded: LoadedModel, explicit?: string): string | undefined {
  return explicit ?? loaded.tokenizer;
}

/** Loads the tokenizer for a llama model, checking it against the model's vocabulary. */
export function tokenizerFor(loaded: LoadedModel, path: string | undefined, action: string): Tokenizer {
  const model = llamaOf(loaded, action);
  if (!path) {
    throw new LowbitError(
      'BAD_ARGS',
      `${action} reads text and needs the model's tokenizer; pass --tokenizer FILE (e.g. tok512.bin).`,
    );
  }
  return loadTokenizer(path, { vocabSize: model.config.vocabSize });
}
