// The CNN workflow table (see cnn-workflows.mjs) as a `pnpm bench` section: every row simulated in
// lowbit and run in onnxruntime-node as the exported ONNX QDQ model, on all 10,000 t10k images.
import { currentBackend, initBackend } from '@lowbit/core-tensor';
import { markdownTable } from '../table.mjs';
import { cnnWorkflowRows, SETTINGS } from './cnn-workflows.mjs';

export async function bench() {
  await initBackend();
  const rows = await cnnWorkflowRows(undefined, {
    onRow: (row) =>
      console.log(
        `  ${row.label}: lowbit ${(100 * row.lowbit).toFixed(2)} %, ORT ${(100 * row.ort).toFixed(2)} %, ${row.seconds.toFixed(1)} s`,
      ),
  });
  const markdown = [
    `Backend: ${currentBackend()}. fashion-mnist-cnn.onnx (3 conv + 2 linear, no BatchNormalization) on all 10,000 Fashion-MNIST t10k images.`,
    'Weights are symmetric int per output channel unless the row says per-tensor; activations (the input of every conv/linear) are uint8 or uint4 per tensor, asymmetric, calibrated with MinMax unless named.',
    `Calibration: 1024 seeded train images. AdaRound: ${SETTINGS.adaroundIterations} steps per layer on an MSE-searched grid (its defaults); RTN rows use MinMax grids. QAT: LSQ on weights and activations (MSE-initialised), ${SETTINGS.qatSteps} Adam steps of ${SETTINGS.qatBatchSize} images drawn from the 60,000 Debian train images.`,
    '"top-1 onnxruntime" runs the exported ONNX QDQ model (opset 13, or 21 with int4 weights; 4-bit activations as uint8 Q/DQ + Clip) in onnxruntime-node with default optimizations; "same predictions" compares its argmax with lowbit\'s image by image. "quantize s" is the recipe (or training) time.',
    '',
    markdownTable(rows),
  ].join('\n');
  console.log(markdown);
  return {
    section:
      'CNN workflows: Fashion-MNIST, static PTQ, DFQ transforms, AdaRound and QAT, checked in onnxruntime',
    markdown,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
