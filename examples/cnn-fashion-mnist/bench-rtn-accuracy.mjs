// Fashion-MNIST CNN RTN top-1 table (see rtn-accuracy.mjs), as a `pnpm bench` section.
import { currentBackend, initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { rtnAccuracyRows } from './rtn-accuracy.mjs';

export async function bench() {
  await initBackend();
  const markdown = [
    `Backend: ${currentBackend()}. fashion-mnist-cnn.onnx on all 10,000 Fashion-MNIST t10k images, batch 500.`,
    'Weight = the 3 conv and 2 linear weights (biases stay fp32); per-channel settings are symmetric.',
    '',
    markdownTable(rtnAccuracyRows()),
  ].join('\n');
  console.log(markdown);
  return { section: 'RTN accuracy: Fashion-MNIST CNN', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
