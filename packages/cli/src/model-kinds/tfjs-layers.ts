import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fromLayersModel, loadLayersModelFromFile, saveLayersModelToDir } from '@lowbit/models';
import type { ModelFormat } from './loaded-model';

const MODEL_JSON = 'model.json';

/** A tfjs-layers Sequential model: model.json + weight shards (the file or its folder). */
export const tfjsLayersFormat: ModelFormat = {
  kind: 'tfjs-layers',
  baseName: 'tfjs',
  matches: (path, isDirectory) =>
    isDirectory ? existsSync(join(path, MODEL_JSON)) : basename(path).endsWith('.json'),
  load: async (path) => {
    const isFile = basename(path).endsWith('.json');
    const model = fromLayersModel(await loadLayersModelFromFile(isFile ? path : join(path, MODEL_JSON)));
    const dims = model.layersModel.inputs[0].shape.slice(1);
    const inputShape = dims.every((d) => typeof d === 'number') ? (dims as number[]) : undefined;
    return {
      kind: 'tfjs-layers',
      path,
      model,
      inputShape,
      save: (to) => saveLayersModelToDir(model.layersModel, to),
    };
  },
};
