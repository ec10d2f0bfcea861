import { LowbitError, mulberry32, tf } from '@lowbit/core-tensor';
import { assertPositiveInteger } from './args';
import type { Tokenizer } from './tokenizer';

export interface CalibrationOptions {
  /** Number of sequences to draw. */
  samples: number;
  /** Tokens per sequence. */
  seqLen: number;
  /** PRNG seed: the same seed gives the same batches. */
  seed: number;
  /** Sequences per batch tensor (default 1: [1, seqLen] batches). */
  batchSize?: number;
  /** Needed when the source is text lines. */
  tokenizer?: Tokenizer;
}

/** One token stream: token ids as given, or each line encoded with BOS and concatenated. */
function tokenStream(
  source: readonly string[] | ArrayLike<number>,
  tokenizer?: Tokenizer,
): ArrayLike<number> {
  if (source.length === 0)
    throw new LowbitError('BAD_ARGS', 'The calibration source is empty; pass text lines or token ids.');
  if (typeof source[0] !== 'string') return source as ArrayLike<number>;
  if (!tokenizer) {
    throw new LowbitError(
      'BAD_ARGS',
      'Calibration from text lines needs options.tokenizer (see loadTokenizer).',
    );
  }
  return (source as readonly string[]).flatMap((line) => tokenizer.encode(line, { bos: true }));
}

/**
 * Seeded calibration batches: `samples` windows of `seqLen` tokens at uniformly drawn offsets of
 * the token stream, grouped into int32 tensors [batchSize, seqLen] (the last may be smaller).
 * The caller owns (and disposes) the returned tensors.
 */
export function sampleCalibration(
  source: readonly string[] | ArrayLike<number>,
  options: CalibrationOptions,
): tf.Tensor2D[] {
  const { samples, seqLen, seed, batchSize = 1 } = options;
  assertPositiveInteger(samples, 'samples');
  assertPositiveInteger(seqLen, 'seqLen');
  assertPositiveInteger(batchSize, 'batchSize');
  const stream = tokenStream(source, options.tokenizer);
  if (stream.length < seqLen) {
    throw new LowbitError(
      'BAD_ARGS',
      `The calibration source has ${stream.length} tokens, fewer than seqLen ${seqLen}; add text or lower seqLen.`,
    );
  }
  const random = mulberry32(seed);
  const batches: tf.Tensor2D[] = [];
  for (let first = 0; first < samples; first += batchSize) {
    const rows = Math.min(batchSize, samples - first);
    const ids = new Int32Array(rows * seqLen);
    for (let r = 0; r < rows; r++) {
      const start = Math.floor(random() * (stream.length - seqLen + 1));
      for (let t = 0; t < seqLen; t++) ids[r * seqLen + t] = stream[start + t];
    }
    batches.push(tf.tensor2d(ids, [rows, seqLen], 'int32'));
  }
  return batches;
}
