// `node examples/cnn-fashion-mnist/index.mjs`: quantizes a real pretrained Fashion-MNIST CNN (ONNX)
// with RTN and prints top-1 on the full t10k test set per setting. Needs the shared data
// (LOWBIT_DATA, default ../shared/data) and Debian's dataset-fashion-mnist package.
import { initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { loadTestSet, rtnAccuracyRows } from './rtn-accuracy.mjs';

const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.reason})\n`);

const testSet = loadTestSet();
console.log(
  `fashion-mnist-cnn.onnx (3 conv + 2 linear) on the Fashion-MNIST t10k, ${testSet.labels.length} images:\n`,
);
console.log(markdownTable(rtnAccuracyRows(testSet)));
console.log(
  '\nweight = the 5 conv/linear weights (biases stay fp32); eval = top-1 over all images, batch 500.',
);
