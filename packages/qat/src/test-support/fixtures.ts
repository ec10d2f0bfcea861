import type { ImageData } from '../data';
import { trainFloat } from './float-train';
import { teacherTask } from './synthetic-data';
import { type LayerSpec, type TinyModel, tinyModel } from './tiny-net';

export const MLP_LAYERS: LayerSpec[] = [
  { name: 'fc1', kind: 'linear', shape: [32, 8], relu: true },
  { name: 'fc2', kind: 'linear', shape: [4, 32] },
];

export const CNN_LAYERS: LayerSpec[] = [
  { name: 'conv', kind: 'conv2d', shape: [3, 1, 3, 3], batchNorm: true, relu: true },
  { name: 'fc', kind: 'linear', shape: [2, 3 * 4 * 4] },
];

/** A float MLP trained on the teacher task, with its train and held-out sets. */
export function pretrainedMlp(steps = 300): { model: TinyModel; train: ImageData; test: ImageData } {
  const train = teacherTask(8192, 8, 4, 1);
  const test = teacherTask(1024, 8, 4, 2);
  const model = tinyModel(MLP_LAYERS, 3);
  trainFloat(model, train, steps);
  return { model, train, test };
}
