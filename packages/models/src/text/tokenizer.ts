import { LowbitError } from '@lowbit/core-tensor';
import { readBytes } from './files';
import { MergeQueue } from './merge-queue';

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
/** Byte tokens `<0x00>`..`<0xFF>` start here (after unk, BOS, EOS). */
const BYTE_TOKEN_OFFSET = 3;
/** llama2.c merges only pairs scoring above this. */
const MIN_MERGE_SCORE = -1e10;
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

export interface EncodeOptions {
  /** Prepend BOS (default true, as llama2.c's generate). */
  bos?: boolean;
  /** Append EOS (default false). */
  eos?: boolean;
}

/** Bytes as a string of U+0000..U+00FF chars: byte-exact map keys and concatenation. */
function byteString(bytes: Uint8Array | readonly number[]): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** UTF-8 text split into codepoint byte groups exactly as llama2.c (at most 4 bytes a group). */
function codepointGroups(bytes: Uint8Array): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] & 0xc0) !== 0x80) group = [];
    group.push(bytes[i]);
    const nextIsContinuation = i + 1 < bytes.length && (bytes[i + 1] & 0xc0) === 0x80;
    if (nextIsContinuation && group.length < 4) continue;
    groups.push(group);
    group = [];
  }
  return groups;
}

/**
 * A llama2.c / sentencepiece-style BPE tokenizer: pieces are byte strings with scores; encoding
 * greedily merges the best-scoring adjacent pair, with byte fallback for unknown codepoints.
 */
export class Tokenizer {
  /** Pieces as byte strings (one char per byte). */
  private readonly pieces: readonly string[];
  private readonly scores: Float32Array;
  private readonly ids = new Map<string, number>();

  constructor(pieces: readonly string[], scores: Float32Array) {
    this.pieces = pieces;
    this.scores = scores;
    pieces.forEach((piece, id) => {
      if (!this.ids.has(piece)) this.ids.set(piece, id);
    });
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  /** Token ids of `text`: [BOS] " " codepoints…, merged by score, [EOS]. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const { bos = true, eos = false } = options;
    const tokens: number[] = bos ? [BOS_ID] : [];
    if (text.length > 0) tokens.push(this.dummyPrefixId());
    for (const group of codepointGroups(new TextEncoder().encode(text))) {
      const id = this.ids.get(byteString(group));
      if (id !== undefined) tokens.push(id);
      else tokens.push(...group.map((b) => b + BYTE_TOKEN_OFFSET));
    }
    const merged = this.merge(tokens);
    if (eos) merged.push(EOS_ID);
    return merged;
  }

  /** Text of `tokens`: byte tokens become bytes, the space after BOS is dropped, unk/BOS/EOS vanish. */
  decode(tokens: ArrayLike<number>): string {
    const bytes: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i];
      this.assertId(id);
      if (id <= EOS_ID) continue;
      let piece = this.pieces[id];
      if (i > 0 && tokens[i - 1] === BOS_ID && piece.startsWith(' ')) piece = piece.slice(1);
      const byte = BYTE_PIECE.exec(piece);
      if (byte) bytes.push(Number.parseInt(byte[1], 16));
      else for (let k = 0; k < piece.length; k++) bytes.push(piece.charCodeAt(k));
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  private assertId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new LowbitError(
        'BAD_ARGS',
        `Token id ${id} is outside the tokenizer's vocabulary [0, ${this.vocabSize}).`,
      );
    }
  }

  private dummyPrefixId(): number {
    const id = this.ids.get(' ');
    if (id === undefined) {
      throw new LowbitError(
        'BAD_FILE',
        'The tokenizer has no " " piece, which llama2.c encoding prepends; use a llama2.c tokenizer.',
      );
    }
    return id;
  }

  /** The pair's merged id and score when the concatenation is a piece that may merge. */
  private mergeOf(leftId: number, rightId: number): { id: number; score: number } | undefined {
    const id = this.ids.get(this.pieces[leftId] + this.pieces[rightId]);
    if (id === undefined || !(this.scores[id] > MIN_MERGE_SCORE)) return undefined;
    return { id, score: this.scores[id] };
  }

  /**
   * llama2.c's loop (merge the best-scoring adjacent pair, leftmost on ties, until none merges)
   * in O(n log n): a linked list of tokens and a heap of candidates, stale ones skipped.
   */
  private merge(initial: readonly number[]): number[] {
    const n = initial.length;
    const ids = Int32Array.from(initial);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const alive = new Uint8Array(n).fill(1);
    const queue = new MergeQueue();
    const consider = (left: number) => {
      const right = next[left];
      const merge = right >= 0 ? this.mergeOf(ids[left], ids[right]) : undefined;
      if (merge) queue.push({ ...merge, left, right, leftId: ids[left], rightId: ids[right] });
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    for (let c = queue.pop(); c; c = queue.pop()) {
      const stale =
        !alive[c.left] ||
        !alive[c.right] ||
        next[c.left] !== c.right ||
        ids[c.left] !== c.leftId ||
        ids[c.right] !== c.rightId;
      if (stale) continue;
      ids[c.left] = c.id;
      alive[c.right] = 0;
      next[c.left] = next[c.right];
      if (next[c.right] >= 0) prev[next[c.right]] = c.left;
      if (prev[c.left] >= 0) consider(prev[c.left]);
      consider(c.left);
    }
    const out: number[] = [];
    for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push(ids[i]);
    return out;
  }
}

export interface LoadTokenizerOptions {
  /** The model's vocabulary size: a tokenizer of another size is rejected (BAD_ARGS). */
  vocabSize?: number;
}

/** Throws BAD_ARGS when the tokenizer's vocabulary does not match the model's. */
export function assertVocabMatches(tokenizer: Tokenizer, modelVocabSize: number): void {
  if (tokenizer.vocabSize !== modelVocabSize) {
    throw new LowbitError(
      'BAD_ARGS',
      `The tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabulary has ${modelVocabSize}; use the tokenizer the model was trained with.`,
    );
  }
}

function truncated(path: string, offset: number, what: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `Tokenizer "${path}" is truncated or malformed at byte ${offset} (${what}); re-export it with llama2.c's tokenizer.py.`,
  );
}

/** Parses a llama2.c tokenizer: int32 max_token_len, then per token float32 score, int32 length, bytes. */
export function parseTokenizer(bytes: Uint8Array, path: string): Tokenizer {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw truncated(path, 0, 'no max_token_len header');
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0) throw truncated(path, 0, `max_token_len is ${maxTokenLength}`);
  const pieces: string[] = [];
  const scores: number[] = [];
  let offset = 4;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length)
      throw truncated(path, offset, `token ${pieces.length} has no score and length`);
    const length = view.getInt32(offset + 4, true);
    if (length < 0 || length > maxTokenLength) {
      throw truncated(
        path,
        offset,
        `token ${pieces.length} has length ${length}, max_token_len is ${maxTokenLength}`,
      );
    }
    if (offset + 8 + length > bytes.length)
      throw truncated(path, offset, `token ${pieces.length} ends past the file`);
    scores.push(view.getFloat32(offset, true));
    pieces.push(byteString(bytes.subarray(offset + 8, offset + 8 + length)));
    offset += 8 + length;
  }
  if (pieces.length <= BYTE_TOKEN_OFFSET) throw truncated(path, offset, `only ${pieces.length} tokens`);
  return new Tokenizer(pieces, Float32Array.from(scores));
}

/** Loads a llama2.c tokenizer file (e.g. tok512.bin, tokenizer.bin). */
export function loadTokenizer(path: string, options: LoadTokenizerOptions = {}): Tokenizer {
  const tokenizer = parseTokenizer(readBytes(path, 'Tokenizer'), path);
  if (options.vocabSize !== undefined) assertVocabMatches(tokenizer, options.vocabSize);
  return tokenizer;
}
