import { Tokenizer } from '../tokenizer';

/** Pieces after the 3 specials and 256 byte tokens: ids 259.. with descending merge scores. */
export const TINY_PIECES = [' ', 'a', 'b', 'ab', ' ab', 'abab'];

/** A hand-made llama2.c-style tokenizer: <unk>, BOS, EOS, <0x00>..<0xFF>, then TINY_PIECES. */
export function tinyTokenizer(): Tokenizer {
  const bytePieces = Array.from(
    { length: 256 },
    (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
  );
  const pieces = ['<unk>', '\n<s>\n', '\n</s>\n', ...bytePieces, ...TINY_PIECES];
  const scores = Float32Array.from(pieces, (_, id) => (id < 259 ? 0 : -(id - 259)));
  return new Tokenizer(pieces, scores);
}
