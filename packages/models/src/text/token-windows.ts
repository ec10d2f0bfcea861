import { LowbitError } from '@lowbit/core-tensor';
import { assertPositiveInteger } from './args';
import type { Tokenizer } from './tokenizer';

export interface TokenWindowOptions {
  /** The most tokens a window feeds the model; each predicts the next (seqLen + 1 tokens a window). */
  seqLen: number;
  /**
   * Lines longer than a window: 'truncate' (default, the reference protocol) scores only their
   * first window; 'split' cuts them into consecutive windows sharing one boundary token, so every
   * token is scored, later windows without the earlier context.
   */
  longLines?: 'truncate' | 'split';
}

/**
 * Evaluation windows, one line at a time: the line is encoded with BOS (llama2.c encoding) and
 * cut into windows of at most seqLen + 1 tokens. With the default 'truncate' this is the protocol
 * of shared/README.md's reference perplexity (stories260K on tinystories-valid: ≈ 5.2).
 */
export function tokenWindows(
  lines: readonly string[],
  tokenizer: Tokenizer,
  options: TokenWindowOptions,
): Int32Array[] {
  const { seqLen, longLines = 'truncate' } = options;
  assertPositiveInteger(seqLen, 'seqLen');
  if (longLines !== 'truncate' && longLines !== 'split') {
    throw new LowbitError('BAD_ARGS', `longLines is "${longLines}"; use 'truncate' or 'split'.`);
  }
  const windows: Int32Array[] = [];
  for (const line of lines) {
    const tokens = Int32Array.from(tokenizer.encode(line, { bos: true }));
    const last = longLines === 'truncate' ? 1 : tokens.length - 1;
    for (let start = 0; start < last && start + 1 < tokens.length; start += seqLen) {
      windows.push(tokens.slice(start, start + seqLen + 1));
    }
  }
  return windows;
}
