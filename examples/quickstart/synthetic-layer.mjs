// Round-to-nearest on a synthetic transformer-sized linear layer: how much do the weights and
// the layer's outputs move at each setting, how small does it get, and how fast is it?
// Uses only the public APIs of @lowbit/core-tensor and @lowbit/rtn.
import { initBackend, tf } from '@lowbit/core-tensor';
import { rtnDequantize, rtnQuantizeTensor } from '@lowbit/rtn';
import { printTable } from '../table.mjs';

const OUT = 1024;
const IN = 4096;
const TOKENS = 256;

const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.reason})`);

// LLM-like weights: Laplace-distributed with a few outlier input channels; activations with outliers too.
function syntheticLayer() {
  return tf.tidy(() => {
    const u = tf.randomUniform([OUT, IN], -0.5, 0.5, 'float32', 1);
    const laplace = tf.mul(tf.mul(tf.sign(u), tf.log1p(tf.mul(tf.abs(u), -2))), -0.02);
    const channelScale = tf.where(tf.less(tf.randomUniform([1, IN], 0, 1, 'float32', 2), 0.01), 8, 1);
    const weight = tf.mul(laplace, channelScale);
    const inputs = tf.mul(tf.randomNormal([TOKENS, IN], 0, 1, 'float32', 3), channelScale);
    return { weight, inputs };
  });
}

const SETTINGS = [
  ['int8 per-channel', { bits: 8, groupSize: 'channel' }],
  ['int4 per-channel', { bits: 4, groupSize: 'channel' }],
  ['int4 g128', { bits: 4, groupSize: 128 }],
  ['int4 g128 + MSE clip', { bits: 4, groupSize: 128, mseSearch: { grid: 20, maxShrink: 0.5 } }],
  ['int3 g128', { bits: 3, groupSize: 128 }],
  ['nf4 (block 64)', { type: 'nf4' }],
  ['nf4 + double quant', { type: 'nf4', doubleQuant: true }],
];

const { weight, inputs } = syntheticLayer();
const reference = tf.matMul(inputs, weight, false, true);
const rows = SETTINGS.map(([label, config]) => {
  const started = performance.now();
  const result = rtnQuantizeTensor(weight, config, 'layer');
  const ms = performance.now() - started;
  const outputError = tf.tidy(() => {
    const out = tf.matMul(inputs, rtnDequantize(result), false, true);
    return tf.div(tf.norm(tf.sub(reference, out)), tf.norm(reference)).dataSync()[0];
  });
  return {
    setting: label,
    'weight err': result.relativeError.toFixed(4),
    'output err': outputError.toFixed(4),
    'size MiB': (result.sizeBytes / 2 ** 20).toFixed(2),
    'vs fp32': `${((OUT * IN * 4) / result.sizeBytes).toFixed(1)}×`,
    'time ms': ms.toFixed(0),
  };
});
tf.dispose([weight, inputs, reference]);

console.log(
  `\nRTN on a ${OUT}×${IN} layer (${((OUT * IN * 4) / 2 ** 20).toFixed(0)} MiB fp32), ${TOKENS} tokens of input:\n`,
);
printTable(rows);
console.log('\nweight err = ‖W − Ŵ‖/‖W‖; output err = ‖XWᵀ − XŴᵀ‖/‖XWᵀ‖ on inputs with outlier channels.');
