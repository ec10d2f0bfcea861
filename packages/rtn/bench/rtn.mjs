// RTN throughput: weights quantized per second, including the reconstruction-error check that
// rtnQuantizeTensor always runs. Usage: `node bench/rtn.mjs` after `npx tsup`, or import bench().
import { currentBackend, initBackend, tf } from '@lowbit/core-tensor';
import { rtnQuantizeTensor } from '@lowbit/rtn';

const CASES = [
  { label: 'int4 per-channel', size: 4096, config: { bits: 4, groupSize: 'channel' } },
  { label: 'int4 g128', size: 4096, config: { bits: 4, groupSize: 128 } },
  { label: 'nf4 + double quant', size: 4096, config: { type: 'nf4', doubleQuant: true } },
  {
    label: 'int4 g128 + MSE search (80 ratios)',
    size: 1024,
    config: { bits: 4, groupSize: 128, mseSearch: true },
  },
];

function timeCase({ label, size, config }) {
  const weight = tf.randomNormal([size, size], 0, 0.02, 'float32', 1);
  const start = performance.now();
  const result = rtnQuantizeTensor(weight, config, label);
  const seconds = (performance.now() - start) / 1000;
  weight.dispose();
  return { label, size, seconds, perSecond: (size * size) / seconds, result };
}

function row({ label, size, seconds, perSecond, result }) {
  const mib = (result.sizeBytes / 2 ** 20).toFixed(2);
  const rate = `${(perSecond / 1e6).toFixed(2)} M`;
  return `| ${label} | ${size}×${size} | ${seconds.toFixed(2)} | ${rate} | ${result.relativeError.toFixed(4)} | ${mib} |`;
}

export async function bench() {
  await initBackend();
  // Warm-up: compiles the kernels each case uses.
  for (const c of CASES) timeCase({ ...c, size: 256 });
  const rows = CASES.map((c) => row(timeCase(c)));
  const markdown = [
    `Backend: ${currentBackend()}. One run per case on N(0, 0.02²) weights; time includes the error check.`,
    '',
    '| config | matrix | time (s) | weights/s | rel. error | size (MiB) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  console.log(markdown);
  return { section: 'RTN throughput', markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
