export { type ImageClassifier, type Top1Options, type Top1Result, top1Accuracy } from './accuracy';
export { type IdxArray, readIdx } from './idx';
export {
  type ImageClassificationData,
  type LoadImageClassificationOptions,
  loadImageClassification,
} from './image-classification';
export { type ImageBatchOptions, imageBatches, sampleIndices } from './sampling';
