import { LowbitError, type ProgressOptions, type tf } from '@lowbit/core-tensor';
import { type RtnConfigInput, rtnConfig } from './config';
import { rtnQuantizeTensor } from './quantize-tensor';
import type { RtnResult } from './rtn-result';

export type NamedWeights = Record<string, tf.Tensor2D> | Iterable<[string, tf.Tensor2D]>;

function entriesOf(weights: NamedWeights): [string, tf.Tensor2D][] {
  const entries =
    Symbol.iterator in weights
      ? Array.from(weights as Iterable<[string, tf.Tensor2D]>)
      : Object.entries(weights);
  const seen = new Set<string>();
  for (const [name] of entries) {
    if (seen.has(name)) {
      throw new LowbitError(
        'BAD_ARGS',
        `Weight name "${name}" appears twice; give every weight a unique name.`,
      );
    }
    seen.add(name);
  }
  return entries;
}

/**
 * RTN-quantizes every weight with one config, emitting a progress event (stage 'rtn', note = the
 * weight's name) after each. Returns the results by name; the input weights are not disposed.
 */
export function rtnQuantizeWeights(
  weights: NamedWeights,
  config: RtnConfigInput = {},
  { onProgress }: ProgressOptions = {},
): Record<string, RtnResult> {
  const resolved = rtnConfig(config);
  const entries = entriesOf(weights);
  const results: Record<string, RtnResult> = {};
  entries.forEach(([name, weight], i) => {
    results[name] = rtnQuantizeTensor(weight, resolved, name);
    onProgress?.({ stage: 'rtn', done: i + 1, total: entries.length, note: name });
  });
  return results;
}
