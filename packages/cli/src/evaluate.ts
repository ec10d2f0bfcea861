import { forwardModel, type ProgressCallback, tf } from '@lowbit/core-tensor';
import { perplexity, top1Accuracy } from '@lowbit/models';
import type { EvalSet } from './eval-set';
import type { LoadedModel } from './model-kinds/index';

export interface PerplexityMetric {
  kind: 'perplexity';
  /** exp(mean NLL). */
  value: number;
  nll: number;
  tokens: number;
  windows: number;
  data: string;
  seconds: number;
}

export interface Top1Metric {
  kind: 'top1';
  /** Fraction of images whose argmax class is the label. */
  value: number;
  correct: number;
  total: number;
  data: string;
  seconds: number;
}

export type Metric = PerplexityMetric | Top1Metric;

/** Images [B, C, H, W] reshaped to the model's declared input (NHWC and flat inputs alike). */
export function toModelInput(loaded: LoadedModel, batch: tf.Tensor): tf.Tensor {
  const dims = loaded.inputShape;
  const fits = dims && dims.reduce((a, b) => a * b, 1) * batch.shape[0] === batch.size;
  return fits ? tf.reshape(batch, [batch.shape[0], ...dims]) : batch;
}

/** Perplexity of a causal LM on token windows, or top-1 accuracy of a classifier on labelled images. */
export function evaluate(loaded: LoadedModel, set: EvalSet, onProgress?: ProgressCallback): Metric {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (set.kind === 'text') {
    const result = perplexity(loaded.model, set.windows, { onProgress });
    const { ppl, nll, tokens } = result;
    return {
      kind: 'perplexity',
      value: ppl,
      nll,
      tokens,
      windows: set.windows.length,
      data: set.path,
      seconds: seconds(),
    };
  }
  const classify = (batch: tf.Tensor4D) => forwardModel(loaded.model, toModelInput(loaded, batch));
  const { accuracy, correct, total } = top1Accuracy(classify, set.data, { onProgress });
  return { kind: 'top1', value: accuracy, correct, total, data: set.path, seconds: seconds() };
}

export function formatMetric(metric: Metric): string {
  if (metric.kind === 'perplexity') return `perplexity ${metric.value.toFixed(4)} (${metric.tokens} tokens)`;
  return `top-1 ${(100 * metric.value).toFixed(2)} % (${metric.correct}/${metric.total})`;
}
