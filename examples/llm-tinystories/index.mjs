// `node examples/llm-tinystories/index.mjs`: quantizes karpathy's real stories260K llama2.c model
// with RTN at several settings and prints perplexity, size and time, then greedy samples from the
// FP32 and RTN W4 g32 models. Needs the shared data (LOWBIT_DATA, default ../shared/data).
import { initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { greedySamples, rtnPerplexityRows } from './rtn-perplexity.mjs';

const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.reason})\n`);

console.log('stories260K (5 layers, dim 64, FFN 172) on tinystories-valid.txt, one story per window:\n');
console.log(markdownTable(rtnPerplexityRows()));
console.log(
  '\nblock = the 35 linears of the decoder layers (embedding/classifier stay fp32); int settings are asymmetric.',
);

console.log('\nGreedy decoding from BOS, 60 tokens:');
for (const { label, text } of greedySamples()) console.log(`  ${label}: ${text}`);
