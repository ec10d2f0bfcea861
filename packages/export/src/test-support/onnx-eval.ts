// Compares an exported model run by onnxruntime with lowbit's own forward pass.
import type { QuantModel } from '@lowbit/core-tensor';
import { lowbitLogits } from './models';
import { maxAbsDifference, nllSum, ortLogits, ortSession } from './ort';

/** Max |ORT − lowbit| over the logits of `ids`. */
export async function logitDifference(model: QuantModel, path: string, ids: number[][]): Promise<number> {
  const session = await ortSession(path);
  const difference = maxAbsDifference(await ortLogits(session, ids), lowbitLogits(model, ids));
  await session.release();
  return difference;
}

/** Perplexity of the exported model under onnxruntime, each window scored on its own. */
export async function ortPerplexity(
  path: string,
  windows: readonly Int32Array[],
  vocab = 512,
): Promise<number> {
  const session = await ortSession(path);
  let sum = 0;
  let count = 0;
  for (const w of windows) {
    sum += nllSum(await ortLogits(session, [Array.from(w.subarray(0, -1))]), w, vocab);
    count += w.length - 1;
  }
  await session.release();
  return Math.exp(sum / count);
}

/** |a − b| / b */
export function relativeGap(a: number, b: number): number {
  return Math.abs(a - b) / b;
}
