// stories260K RTN perplexity table (see rtn-perplexity.mjs), as a `pnpm bench` section.
import { currentBackend, initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { rtnPerplexityRows } from './rtn-perplexity.mjs';

export async function bench() {
  await initBackend();
  const markdown = [
    `Backend: ${currentBackend()}. karpathy's stories260K on tinystories-valid.txt (each story from BOS, ≤ 512 tokens).`,
    "Block = the decoder layers' 35 linears (embedding/classifier stay fp32); int settings are asymmetric.",
    '',
    markdownTable(rtnPerplexityRows()),
  ].join('\n');
  console.log(markdown);
  return { section: 'RTN perplexity: stories260K', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
