import { forwardModel, LowbitError, type ProgressOptions, type QuantModel, tf } from '@lowbit/core-tensor';

export interface PerplexityResult {
  /** Mean negative log-likelihood, nats per predicted token. */
  nll: number;
  /** exp(nll). */
  ppl: number;
  /** Number of predicted tokens. */
  tokens: number;
}

/** Log-probabilities the model gives each next token of one window (inputs window[0..n−1]). */
function targetLogProbs(model: QuantModel, window: Int32Array): Float32Array {
  const n = window.length - 1;
  return tf.tidy(() => {
    const logits = forwardModel(model, tf.tensor2d(window.subarray(0, n), [1, n], 'int32'));
    const vocab = logits.shape[2] as number;
    const logProbs = tf.reshape(tf.logSoftmax(tf.reshape(logits, [n, vocab])), [n * vocab]);
    // A flat gather: wasm's gather with batchDims reads out of bounds (tfjs 4.22).
    const flatIndices = Int32Array.from(window.subarray(1), (target, t) => t * vocab + target);
    return tf.gather(logProbs, tf.tensor1d(flatIndices, 'int32')).dataSync() as Float32Array;
  });
}

/**
 * Perplexity of a causal LM over token windows (see tokenWindows): each window's tokens predict
 * the next ones; the NLL is averaged over every prediction of every window.
 */
export function perplexity(
  model: QuantModel,
  windows: readonly Int32Array[],
  options: ProgressOptions = {},
): PerplexityResult {
  let sum = 0;
  let count = 0;
  windows.forEach((window, i) => {
    if (window.length < 2) {
      throw new LowbitError(
        'BAD_ARGS',
        `Window ${i} has ${window.length} token(s); a window needs an input and a target.`,
      );
    }
    for (const logProb of targetLogProbs(model, window)) sum -= logProb;
    count += window.length - 1;
    options.onProgress?.({ stage: 'perplexity', done: i + 1, total: windows.length });
  });
  if (count === 0)
    throw new LowbitError('BAD_ARGS', 'No windows to evaluate; pass the output of tokenWindows.');
  const nll = sum / count;
  return { nll, ppl: Math.exp(nll), tokens: count };
}
