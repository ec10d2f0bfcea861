// pnpm bench section: every weight-only method on stories260K (see methods.mjs).
import { initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { CALIBRATION_NOTE, methodPerplexityRows } from './methods.mjs';

export async function bench() {
  const backend = await initBackend();
  const markdown = [
    `Backend: ${backend.name}. ${CALIBRATION_NOTE}`,
    '',
    markdownTable(methodPerplexityRows()),
  ].join('\n');
  console.log(markdown);
  return { section: 'stories260K perplexity by method (GPTQ, AWQ, HQQ vs RTN)', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
