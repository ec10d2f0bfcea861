import { LowbitError } from '@lowbit/core-tensor';
import { gptqFormat } from './gptq';
import { hfLlamaFormat } from './hf-llama';
import { llama2cFormat } from './llama2c';
import type { ModelFormat, ModelKind } from './loaded-model';
import { onnxFormat } from './onnx';
import { tfjsLayersFormat } from './tfjs-layers';

export type { LoadedModel, ModelFormat, ModelKind } from './loaded-model';

/** Every model format lowbit reads, in the order a path is matched against them. */
export const MODEL_FORMATS: readonly ModelFormat[] = [
  llama2cFormat,
  onnxFormat,
  gptqFormat,
  hfLlamaFormat,
  tfjsLayersFormat,
];

export function modelFormat(kind: ModelKind): ModelFormat {
  const format = MODEL_FORMATS.find((f) => f.kind === kind);
  if (!format) {
    throw new LowbitError(
      'BAD_ARGS',
      `Model kind "${kind}" is unknown; lowbit reads ${MODEL_FORMATS.map((f) => f.kind).join(', ')}.`,
    );
  }
  return format;
}
