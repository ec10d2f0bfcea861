// An independent float64 llama forward pass, token by token with a KV cache as llama2.c's run.c,
// in plain loops (no tfjs, no lowbit model code): the yardstick for the tfjs decoder's numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { float32Of, readSafetensors } from '../../safetensors/safetensors';

export interface ReferenceLayer {
  rmsAtt: Float64Array;
  rmsFfn: Float64Array;
  wq: Float64Array;
  wk: Float64Array;
  wv: Float64Array;
  wo: Float64Array;
  w1: Float64Array;
  w2: Float64Array;
  w3: Float64Array;
}

export interface ReferenceModel {
  dim: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  eps: number;
  /** 'interleaved': llama2.c rotates pairs (2i, 2i+1); 'half': HF rotates (i, i + headSize/2). */
  rope: 'interleaved' | 'half';
  /** [pos][i] angle cos/sin, headSize/2 per position. */
  cos: Float64Array;
  sin: Float64Array;
  embedding: Float64Array;
  layers: ReferenceLayer[];
  rmsFinal: Float64Array;
  classifier: Float64Array;
}

/** Reads a llama2.c checkpoint directly, using its stored freq_cis for RoPE. */
export function readLlama2cReference(path: string): ReferenceModel {
  const bytes = readFileSync(path);
  const header = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 28));
  const [dim, hidden, nLayers, heads, kvHeads, signedVocab, seqLen] = header;
  const vocab = Math.abs(signedVocab);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 28, bytes.byteOffset + bytes.length));
  let offset = 0;
  const take = (n: number) => {
    offset += n;
    return Float64Array.from(floats.subarray(offset - n, offset));
  };
  const kvDim = (dim / heads) * kvHeads;
  const half = dim / heads / 2;
  const embedding = take(vocab * dim);
  const stacked = (n: number) => Array.from({ length: nLayers }, () => take(n));
  const rmsAtt = stacked(dim);
  const [wq, wk, wv, wo] = [
    stacked(dim * dim),
    stacked(kvDim * dim),
    stacked(kvDim * dim),
    stacked(dim * dim),
  ];
  const rmsFfn = stacked(dim);
  const [w1, w2, w3] = [stacked(hidden * dim), stacked(dim * hidden), stacked(hidden * dim)];
  const rmsFinal = take(dim);
  const cos = take(seqLen * half);
  const sin = take(seqLen * half);
  const classifier = signedVocab > 0 ? embedding : take(vocab * dim);
  const layers = rmsAtt.map((_, l) => ({
    rmsAtt: rmsAtt[l],
    rmsFfn: rmsFfn[l],
    wq: wq[l],
    wk: wk[l],
    wv: wv[l],
    wo: wo[l],
    w1: w1[l],
    w2: w2[l],
    w3: w3[l],
  }));
  return {
    dim,
    hidden,
    heads,
    kvHeads,
    vocab,
    eps: 1e-5,
    rope: 'interleaved',
    cos,
    sin,
    embedding,
    layers,
    rmsFinal,
    classifier,
  };
}

/**
 * Reads an HF llama folder as transformers runs it: rotate_half RoPE on the stored (permuted)
 * wq/wk, angles pos · theta^(−2i/S) computed here in float64.
 */
export function readHfReference(dir: string): ReferenceModel {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const tensors = readSafetensors(join(dir, 'model.safetensors')).tensors;
  const get = (name: string) => Float64Array.from(float32Of(tensors.get(name)!, name));
  const dim = config.hidden_size;
  const heads = config.num_attention_heads;
  const half = dim / heads / 2;
  const seqLen = config.max_position_embeddings;
  const angle = (j: number) => Math.floor(j / half) / config.rope_theta ** ((2 * (j % half)) / (2 * half));
  const layers = Array.from({ length: config.num_hidden_layers }, (_, l) => {
    const p = `model.layers.${l}.`;
    return {
      rmsAtt: get(`${p}input_layernorm.weight`),
      rmsFfn: get(`${p}post_attention_layernorm.weight`),
      wq: get(`${p}self_attn.q_proj.weight`),
      wk: get(`${p}self_attn.k_proj.weight`),
      wv: get(`${p}self_attn.v_proj.weight`),
      wo: get(`${p}self_attn.o_proj.weight`),
      w1: get(`${p}mlp.gate_proj.weight`),
      w2: get(`${p}mlp.down_proj.weight`),
      w3: get(`${p}mlp.up_proj.weight`),
    };
  });
  const embedding = get('model.embed_tokens.weight');
  return {
    dim,
    hidden: config.intermediate_size,
    heads,
    kvHeads: config.num_key_value_heads,
    vocab: config.vocab_size,
    eps: config.rms_norm_eps,
    rope: 'half',
    cos: Float64Array.from({ length: seqLen * half }, (_, j) => Math.cos(angle(j))),
    sin: Float64Array.from({ length: seqLen * half }, (_, j) => Math.sin(angle(j))),
    embedding,
    layers,
    rmsFinal: get('model.norm.weight'),
    classifier: config.tie_word_embeddings ? embedding : get('lm_head.weight'),
  };
}

function rmsnorm(x: Float64Array, weight: Float64Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, j) => weight[j] * v * scale);
}

/** w [rows, x.length] · x */
function matvec(w: Float64Array, x: Float64Array, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < x.length; c++) sum += w[r * x.length + c] * x[c];
    out[r] = sum;
  }
  return out;
}

function rotate(v: Float64Array, m: ReferenceModel, pos: number): void {
  const size = m.dim / m.heads;
  const half = size / 2;
  for (let head = 0; head < v.length / size; head++) {
    for (let i = 0; i < half; i++) {
      const c = m.cos[pos * half + i];
      const s = m.sin[pos * half + i];
      const [a, b] =
        m.rope === 'interleaved'
          ? [head * size + 2 * i, head * size + 2 * i + 1]
          : [head * size + i, head * size + i + half];
      const [x0, x1] = [v[a], v[b]];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

/** Logits of every position of `tokens`, one token at a time with a KV cache. */
export function referenceLogits(m: ReferenceModel, tokens: readonly number[]): Float64Array[] {
  const { dim, hidden, heads, kvHeads } = m;
  const size = dim / heads;
  const kvDim = size * kvHeads;
  const keys = m.layers.map(() => [] as Float64Array[]);
  const values = m.layers.map(() => [] as Float64Array[]);
  return tokens.map((token, pos) => {
    let x = m.embedding.slice(token * dim, (token + 1) * dim);
    m.layers.forEach((layer, l) => {
      const xb = rmsnorm(x, layer.rmsAtt, m.eps);
      const q = matvec(layer.wq, xb, dim);
      const k = matvec(layer.wk, xb, kvDim);
      rotate(q, m, pos);
      rotate(k, m, pos);
      keys[l].push(k);
      values[l].push(matvec(layer.wv, xb, kvDim));
      const attended = new Float64Array(dim);
      for (let h = 0; h < heads; h++) {
        const kvOffset = Math.floor(h / (heads / kvHeads)) * size;
        const scores = keys[l].map((kt) => {
          let dot = 0;
          for (let i = 0; i < size; i++) dot += q[h * size + i] * kt[kvOffset + i];
          return dot / Math.sqrt(size);
        });
        const max = Math.max(...scores);
        const weights = scores.map((s) => Math.exp(s - max));
        const total = weights.reduce((a, b) => a + b, 0);
        values[l].forEach((vt, t) => {
          for (let i = 0; i < size; i++) attended[h * size + i] += (weights[t] / total) * vt[kvOffset + i];
        });
      }
      const attentionOut = matvec(layer.wo, attended, dim);
      const afterAttention = x.map((v, j) => v + attentionOut[j]);
      const xf = rmsnorm(afterAttention, layer.rmsFfn, m.eps);
      const gate = matvec(layer.w1, xf, hidden);
      const up = matvec(layer.w3, xf, hidden);
      const swiglu = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const ffn = matvec(layer.w2, swiglu, dim);
      x = afterAttention.map((v, j) => v + ffn[j]);
    });
    return matvec(m.classifier, rmsnorm(x, m.rmsFinal, m.eps), m.vocab);
  });
}

/** Summed negative log-likelihood of tokens[1..] given the prefixes. */
export function referenceNllSum(m: ReferenceModel, tokens: readonly number[]): number {
  const logits = referenceLogits(m, tokens.slice(0, -1));
  return logits.reduce((sum, row, t) => {
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
    return sum + logSumExp - row[tokens[t + 1]];
  }, 0);
}
