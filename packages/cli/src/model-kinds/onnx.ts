import { extname } from 'node:path';
import { loadOnnxModel, saveOnnxModel } from '@lowbit/models';
import type { ModelFormat } from './loaded-model';

/** An ONNX CNN (`.onnx`). */
export const onnxFormat: ModelFormat = {
  kind: 'onnx',
  baseName: 'model.onnx',
  matches: (path, isDirectory) => !isDirectory && extname(path) === '.onnx',
  load: async (path) => {
    const model = loadOnnxModel(path);
    const dims = model.graph.inputs[0]?.dims?.slice(1) ?? [];
    const inputShape = dims.every((d) => typeof d === 'number') ? (dims as number[]) : undefined;
    return { kind: 'onnx', path, model, inputShape, save: async (to) => saveOnnxModel(model, to) };
  },
};
