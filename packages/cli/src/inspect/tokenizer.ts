import { readFileSync } from 'node:fs';
import { parseTokenizer } from '@lowbit/models';
import { formatBytes, keyValueTable } from '../table';
import type { Inspection } from './section';

/** A llama2.c tokenizer file. */
export function inspectTokenizer(path: string): Inspection {
  const bytes = readFileSync(path);
  const tokenizer = parseTokenizer(bytes, path);
  const table = keyValueTable([
    ['file size', formatBytes(bytes.length)],
    ['vocab_size', tokenizer.vocabSize],
    ['"Once upon a time" encodes to', tokenizer.encode('Once upon a time').join(' ')],
  ]);
  return { kind: 'llama2.c tokenizer', sections: [{ title: 'tokenizer', table }] };
}
