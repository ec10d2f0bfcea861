export { LayerKernelTarget } from './layer-target';
export { fromLayersModel, type LayersQuantModel } from './layers-model';
export { loadLayersModelFromFile, type SaveLayersModelOptions, saveLayersModelToDir } from './model-files';
