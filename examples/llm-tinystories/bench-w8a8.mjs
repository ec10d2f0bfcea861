// pnpm bench section: W8A8 recipes on stories260K (see w8a8.mjs).
import { initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { W8A8_NOTE, w8a8PerplexityRows } from './w8a8.mjs';

export async function bench() {
  const backend = await initBackend();
  const markdown = [`Backend: ${backend.name}. ${W8A8_NOTE}`, '', markdownTable(w8a8PerplexityRows())].join(
    '\n',
  );
  console.log(markdown);
  return { section: 'stories260K W8A8: naive static, SmoothQuant, dynamic', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
