import type { QuantModel } from '@lowbit/core-tensor';
import type { QuantizationRecord } from '../format/manifest';

export type ModelKind = 'llama2c' | 'hf-llama' | 'gptq' | 'onnx' | 'tfjs-layers';

/** A model as loaded from disk, able to write itself back in the same format. */
export interface LoadedModel {
  readonly kind: ModelKind;
  /** The path it was loaded from. */
  readonly path: string;
  readonly model: QuantModel;
  /** Per-example input dims a classifier expects (images are reshaped to them), when declared. */
  readonly inputShape?: readonly number[];
  /** The tokenizer stored beside an already quantized model, if any. */
  readonly tokenizer?: string;
  /** How an already quantized model (lowbit directory, export) was made, when recorded. */
  readonly record?: QuantizationRecord;
  /** Writes the model, with its current weights, to `path` in its own format. */
  save(path: string): Promise<void>;
}

/** How lowbit recognises and reads one model format. */
export interface ModelFormat {
  readonly kind: ModelKind;
  /** The base model's file or folder name inside a lowbit directory. */
  readonly baseName: string;
  /** Whether `path` (a directory when `isDirectory`) holds a model of this format. */
  matches(path: string, isDirectory: boolean): boolean;
  load(path: string): Promise<LoadedModel>;
}
