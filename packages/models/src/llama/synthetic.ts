import { mulberry32, writeAll, writeFileAtomic } from '@lowbit/core-tensor';

/** Shape of a random llama2.c checkpoint for speed and memory benchmarks (not for accuracy). */
export interface SyntheticLlamaOptions {
  seed?: number;
  layers?: number;
  dim?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  vocab?: number;
  seqLen?: number;
  separateClassifier?: boolean;
}

const CHUNK = 1 << 20; // floats per write
const STD = 0.02;

/** Streams `count` floats produced by `value(i)` to `fd`, a chunk at a time. */
function writeStream(fd: number, count: number, value: (i: number) => number): void {
  const chunk = new Float32Array(CHUNK);
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    for (let i = 0; i < n; i++) chunk[i] = value(start + i);
    writeAll(fd, new Uint8Array(chunk.buffer, 0, 4 * n));
  }
}

/**
 * Writes a llama2.c checkpoint with uniform random weights (std 0.02), unit norms and llama2.c's
 * RoPE tables, streamed to disk (temp file, then rename). Defaults: 12 layers, dim 768, hidden
 * 2048, 12 heads, vocab 32000, seq_len 512 (≈ 85M decoder-layer weights). Returns the parameter
 * count (without the RoPE tables) and the file size.
 */
export function writeSyntheticLlama2c(path: string, options: SyntheticLlamaOptions = {}) {
  const {
    seed = 0,
    layers = 12,
    dim = 768,
    hidden = 2048,
    heads = 12,
    vocab = 32000,
    seqLen = 512,
  } = options;
  const { kvHeads = heads, separateClassifier = false } = options;
  const random = mulberry32(seed);
  const bound = STD * Math.sqrt(3);
  const uniform = () => (2 * random() - 1) * bound;
  const one = () => 1;
  const half = dim / heads / 2;
  const kvDim = (dim / heads) * kvHeads;
  const angle = (i: number) => Math.floor(i / half) / 10000 ** ((2 * (i % half)) / (2 * half));
  const header = Int32Array.of(
    dim,
    hidden,
    layers,
    heads,
    kvHeads,
    separateClassifier ? -vocab : vocab,
    seqLen,
  );
  const sections: [number, (i: number) => number][] = [
    [vocab * dim, uniform], // token_embedding
    [layers * dim, one], // rms_att
    [layers * dim * dim, uniform], // wq
    [layers * kvDim * dim, uniform], // wk
    [layers * kvDim * dim, uniform], // wv
    [layers * dim * dim, uniform], // wo
    [layers * dim, one], // rms_ffn
    [layers * hidden * dim, uniform], // w1
    [layers * dim * hidden, uniform], // w2
    [layers * hidden * dim, uniform], // w3
    [dim, one], // rms_final
    [seqLen * half, (i) => Math.cos(angle(i))], // freq_cis_real
    [seqLen * half, (i) => Math.sin(angle(i))], // freq_cis_imag
    ...(separateClassifier ? [[vocab * dim, uniform] as [number, (i: number) => number]] : []), // wcls
  ];
  writeFileAtomic(
    path,
    (fd) => {
      writeAll(fd, new Uint8Array(header.buffer));
      for (const [count, value] of sections) writeStream(fd, count, value);
    },
    { overwrite: true },
  );
  const floats = sections.reduce((sum, [count]) => sum + count, 0);
  return { parameters: floats - 2 * seqLen * half, bytes: header.byteLength + 4 * floats };
}
