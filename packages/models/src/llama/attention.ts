import { denseAttention, tf } from '@lowbit/core-tensor';

/** Added to scores of future positions; exp underflows to 0 without the NaNs −Infinity risks. */
const MASKED = -1e9;

/** [groups·T, T]: row r is query position r mod T, which may see key positions ≤ it. */
function causalMask(groups: number, t: number): Float32Array {
  const mask = new Float32Array(groups * t * t);
  for (let r = 0; r < groups * t; r++) mask.fill(MASKED, r * t + (r % t) + 1, (r + 1) * t);
  return mask;
}

/**
 * Causal grouped-query attention: q [B, T, H, S], k and v [B, T, KV, S] → [B, T, H·S], with
 * softmax(q·kᵀ / √S + causal mask) · v per head on the dense engine. Query head h reads key/value
 * head ⌊h / G⌋ (G = H / KV, as llama2.c): the G heads of a group are stacked as G·T query rows.
 */
export function causalAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, t, h, size] = q.shape as number[];
    const kv = k.shape[2] as number;
    const groups = h / kv;
    // [B, T, KV, G, S] → [B, KV, G, T, S] → [B, KV, G·T, S]
    const queries = tf.reshape(tf.transpose(tf.reshape(q, [b, t, kv, groups, size]), [0, 2, 3, 1, 4]), [
      b,
      kv,
      groups * t,
      size,
    ]);
    const keys = tf.transpose(k, [0, 2, 1, 3]);
    const values = tf.transpose(v, [0, 2, 1, 3]);
    const attended = denseAttention(queries, keys, values, causalMask(groups, t), 1 / Math.sqrt(size));
    const out = tf.reshape(attended, [b, kv, groups, t, size]);
    return tf.reshape(tf.transpose(out, [0, 3, 1, 2, 4]), [b, t, h * size]);
  });
}
