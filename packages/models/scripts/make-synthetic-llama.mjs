#!/usr/bin/env node
// Writes a llama2.c checkpoint (legacy v0 layout) with seeded random weights, streamed to disk in
// chunks so memory stays flat whatever the size. Used by benchmarks.
//
//   node packages/models/scripts/make-synthetic-llama.mjs --out /tmp/synthetic-85M.bin [--seed 0]
//     [--layers 12 --dim 768 --hidden 2048 --heads 12 --kv-heads 12 --vocab 32000 --seq-len 512]
//     [--separate-classifier]
//
// Linears and the embedding are U(−a, a) with standard deviation 0.02 (a = 0.02·√3), norms 1.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

const CHUNK = 1 << 20; // floats per write
const STD = 0.02;

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readConfig() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      layers: { type: 'string', default: '12' },
      dim: { type: 'string', default: '768' },
      hidden: { type: 'string', default: '2048' },
      heads: { type: 'string', default: '12' },
      'kv-heads': { type: 'string', default: '12' },
      vocab: { type: 'string', default: '32000' },
      'seq-len': { type: 'string', default: '512' },
      'separate-classifier': { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error('--out <path> is required.');
  const int = (name) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || (v <= 0 && name !== 'seed'))
      throw new Error(`--${name} ${values[name]} must be a positive integer.`);
    return v;
  };
  const config = {
    out: values.out,
    seed: int('seed'),
    dim: int('dim'),
    hidden: int('hidden'),
    layers: int('layers'),
    heads: int('heads'),
    kvHeads: int('kv-heads'),
    vocab: int('vocab'),
    seqLen: int('seq-len'),
    separateClassifier: values['separate-classifier'],
  };
  const headSize = config.dim / config.heads;
  if (!Number.isInteger(headSize) || headSize % 2 !== 0)
    throw new Error('--dim / --heads must be an even integer.');
  if (config.heads % config.kvHeads !== 0) throw new Error('--heads must be a multiple of --kv-heads.');
  return config;
}

/** Streams `count` floats produced by `value(i)` to `fd`, a chunk at a time. */
function writeStream(fd, count, value) {
  const chunk = new Float32Array(CHUNK);
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    for (let i = 0; i < n; i++) chunk[i] = value(start + i);
    const bytes = new Uint8Array(chunk.buffer, 0, 4 * n);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
  }
}

function writeCheckpoint(fd, c) {
  const random = mulberry32(c.seed);
  const bound = STD * Math.sqrt(3);
  const uniform = () => (2 * random() - 1) * bound;
  const one = () => 1;
  const half = c.dim / c.heads / 2;
  const kvDim = (c.dim / c.heads) * c.kvHeads;
  const angle = (i) => Math.floor(i / half) / 10000 ** ((2 * (i % half)) / (2 * half));
  const header = Int32Array.of(
    c.dim,
    c.hidden,
    c.layers,
    c.heads,
    c.kvHeads,
    c.separateClassifier ? -c.vocab : c.vocab,
    c.seqLen,
  );
  writeSync(fd, new Uint8Array(header.buffer));
  const L = c.layers;
  const sections = [
    [c.vocab * c.dim, uniform], // token_embedding
    [L * c.dim, one], // rms_att
    [L * c.dim * c.dim, uniform], // wq
    [L * kvDim * c.dim, uniform], // wk
    [L * kvDim * c.dim, uniform], // wv
    [L * c.dim * c.dim, uniform], // wo
    [L * c.dim, one], // rms_ffn
    [L * c.hidden * c.dim, uniform], // w1
    [L * c.dim * c.hidden, uniform], // w2
    [L * c.hidden * c.dim, uniform], // w3
    [c.dim, one], // rms_final
    [c.seqLen * half, (i) => Math.cos(angle(i))], // freq_cis_real
    [c.seqLen * half, (i) => Math.sin(angle(i))], // freq_cis_imag
    ...(c.separateClassifier ? [[c.vocab * c.dim, uniform]] : []), // wcls
  ];
  for (const [count, value] of sections) writeStream(fd, count, value);
  return sections.reduce((sum, [count]) => sum + count, 0);
}

const config = readConfig();
const temp = `${config.out}.${process.pid}.tmp`;
const start = performance.now();
const fd = openSync(temp, 'wx');
let floats;
try {
  try {
    floats = writeCheckpoint(fd, config);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, config.out);
} catch (e) {
  rmSync(temp, { force: true });
  throw e;
}
const freqCis = config.seqLen * (config.dim / config.heads);
console.log(
  `${config.out}: ${((floats - freqCis) / 1e6).toFixed(1)}M parameters, ${((28 + 4 * floats) / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - start) / 1000).toFixed(1)} s`,
);
