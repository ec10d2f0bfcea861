// A direct port of llama2.c's encode() (run.c): its own file parsing, a linear str_lookup, and the
// O(n²) "merge the best pair, shift the array" loop. The yardstick for lowbit's Tokenizer.
import { readFileSync } from 'node:fs';

export function llama2cEncoder(path: string): (text: string, bos: boolean, eos: boolean) => number[] {
  const bytes = readFileSync(path);
  const vocab: string[] = [];
  const scores: number[] = [];
  for (let offset = 4; offset < bytes.length; ) {
    scores.push(bytes.readFloatLE(offset));
    const length = bytes.readInt32LE(offset + 4);
    vocab.push(bytes.subarray(offset + 8, offset + 8 + length).toString('latin1'));
    offset += 8 + length;
  }
  const lookup = (s: string) => vocab.indexOf(s);
  return (text, bos, eos) => {
    const tokens: number[] = [];
    if (bos) tokens.push(1);
    if (text !== '') tokens.push(lookup(' '));
    const utf8 = Buffer.from(text, 'utf8');
    let buffer: number[] = [];
    for (let i = 0; i < utf8.length; i++) {
      if ((utf8[i] & 0xc0) !== 0x80) buffer = [];
      buffer.push(utf8[i]);
      if (i + 1 < utf8.length && (utf8[i + 1] & 0xc0) === 0x80 && buffer.length < 4) continue;
      const id = lookup(Buffer.from(buffer).toString('latin1'));
      if (id !== -1) tokens.push(id);
      else for (const b of buffer) tokens.push(b + 3);
      buffer = [];
    }
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i < tokens.length - 1; i++) {
        const id = lookup(vocab[tokens[i]] + vocab[tokens[i + 1]]);
        if (id !== -1 && scores[id] > bestScore) {
          bestScore = scores[id];
          bestId = id;
          bestIdx = i;
        }
      }
      if (bestIdx === -1) break;
      tokens[bestIdx] = bestId;
      tokens.splice(bestIdx + 1, 1);
    }
    if (eos) tokens.push(2);
    return tokens;
  };
}
