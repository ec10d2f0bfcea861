import { LowbitError, mulberry32, tf } from '@lowbit/core-tensor';
import { assertPositiveInteger } from '../text/args';
import { assertVocabMatches, BOS_ID, EOS_ID, type Tokenizer } from '../text/tokenizer';
import type { LlamaModel } from './llama-model';

export interface GenerateOptions {
  /** Text to continue (default: none, start from BOS). */
  prompt?: string;
  /** The most new tokens to generate; generation also stops at BOS, EOS or seqLen. */
  steps: number;
  /** 0 (default) is greedy decoding; otherwise softmax(logits / temperature) is sampled. */
  temperature?: number;
  /** Sampling seed (default 0). */
  seed?: number;
}

export interface GenerateResult {
  /** BOS, the prompt's tokens, then the generated ones. */
  tokens: number[];
  /** The decoded prompt and continuation. */
  text: string;
}

/** Logits of the token after `tokens` (the whole prefix is recomputed: no KV cache). */
function nextTokenLogits(model: LlamaModel, tokens: readonly number[]): Float32Array {
  return tf.tidy(() => {
    let x = model.embed(tf.tensor2d(Int32Array.from(tokens), [1, tokens.length], 'int32'));
    for (const block of model.blocks) x = block.forward(x);
    const last = tf.slice(x, [0, tokens.length - 1, 0], [1, 1, model.config.dim]);
    return model.head(last).dataSync() as Float32Array;
  });
}

/** The first index of the largest value, as llama2.c's argmax. */
function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Draws from softmax(logits / temperature) by inverting the CDF at random(). */
function sample(logits: Float32Array, temperature: number, random: () => number): number {
  const max = logits[argmax(logits)];
  const weights = Array.from(logits, (l) => Math.exp((l - max) / temperature));
  let remaining = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    remaining -= weights[i];
    if (remaining < 0) return i;
  }
  return weights.length - 1;
}

/** Continues `prompt` token by token, as llama2.c's run (greedy at temperature 0). */
export function generate(model: LlamaModel, tokenizer: Tokenizer, options: GenerateOptions): GenerateResult {
  const { prompt = '', steps, temperature = 0, seed = 0 } = options;
  assertVocabMatches(tokenizer, model.config.vocabSize);
  assertPositiveInteger(steps, 'steps');
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new LowbitError('BAD_ARGS', `temperature is ${temperature}; use 0 (greedy) or a positive number.`);
  }
  const random = mulberry32(seed);
  const tokens = tokenizer.encode(prompt, { bos: true });
  for (let step = 0; step < steps && tokens.length < model.config.seqLen; step++) {
    const logits = nextTokenLogits(model, tokens);
    const next = temperature === 0 ? argmax(logits) : sample(logits, temperature, random);
    if (next === BOS_ID || next === EOS_ID) break;
    tokens.push(next);
  }
  return { tokens, text: tokenizer.decode(tokens) };
}
