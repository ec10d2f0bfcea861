import type { ImageClassificationData, OnnxModel } from '@lowbit/models';

export { fashionMnist, fashionMnistCnn } from '@lowbit/models/testing';

/** The first `count` images of a split as NCHW calibration batches of `batch` images. */
export function calibrationBatches(data: ImageClassificationData, count: number, batch = 64): Float32Array[] {
  const size = data.shape[1] * data.shape[2] * data.shape[3];
  const batches: Float32Array[] = [];
  for (let start = 0; start < count; start += batch) {
    batches.push(data.images.slice(start * size, Math.min(count, start + batch) * size));
  }
  return batches;
}

/** The graph value a model's LogSoftmax reads: the last Gemm's output (the logits). */
export function logitsOutput(model: OnnxModel): string {
  return model.graph.nodes.find((n) => n.opType === 'LogSoftmax')?.inputs[0] ?? model.output;
}
