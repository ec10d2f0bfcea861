// onnxruntime-node (CPU) as the independent consumer of the exported models.
import * as ort from 'onnxruntime-node';

export async function ortSession(path: string, threads = 1): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { intraOpNumThreads: threads, logSeverityLevel: 3 });
}

/** Logits [B·T·vocab] of token ids [B][T]. */
export async function ortLogits(
  session: ort.InferenceSession,
  ids: readonly (readonly number[])[],
): Promise<Float32Array> {
  const flat = BigInt64Array.from(ids.flat(), BigInt);
  const result = await session.run({ input_ids: new ort.Tensor('int64', flat, [ids.length, ids[0].length]) });
  return result.logits.data as Float32Array;
}

/** Summed negative log-likelihood of window[1..] from logits [n, vocab] of window[0..n−1], in float64. */
export function nllSum(logits: Float32Array, window: Int32Array, vocab: number): number {
  let sum = 0;
  for (let t = 0; t + 1 < window.length; t++) {
    const row = logits.subarray(t * vocab, (t + 1) * vocab);
    let max = Number.NEGATIVE_INFINITY;
    for (const v of row) max = Math.max(max, v);
    let total = 0;
    for (const v of row) total += Math.exp(v - max);
    sum += max + Math.log(total) - row[window[t + 1]];
  }
  return sum;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}
