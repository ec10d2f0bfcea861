/**
 * KL(P‖Q) for keeping the first `kept` bins of a histogram of |x| (TensorRT's entropy calibration):
 * P is those bins with every clipped count added to the last kept bin; Q merges the kept bins into
 * `levels` equal chunks and spreads each chunk's count evenly over its bins where P is non-zero.
 * Infinity when Q misses mass that P has.
 */
export function klDivergence(
  counts: ArrayLike<number>,
  kept: number,
  levels: number,
  clipped: number,
): number {
  const p = Array.from({ length: kept }, (_, b) => counts[b]);
  p[kept - 1] += clipped;
  const q = new Float64Array(kept);
  for (let level = 0; level < levels; level++) {
    const begin = Math.ceil((level * kept) / levels);
    const end = Math.ceil(((level + 1) * kept) / levels);
    let mass = 0;
    let nonZero = 0;
    for (let b = begin; b < end; b++) {
      mass += counts[b];
      if (p[b] > 0) nonZero++;
    }
    for (let b = begin; b < end; b++) if (p[b] > 0) q[b] = mass / nonZero;
  }
  const pTotal = p.reduce((a, b) => a + b, 0);
  const qTotal = q.reduce((a, b) => a + b, 0);
  let kl = 0;
  for (let b = 0; b < kept; b++) {
    if (p[b] === 0) continue;
    if (q[b] === 0) return Number.POSITIVE_INFINITY;
    kl += (p[b] / pTotal) * Math.log(p[b] / pTotal / (q[b] / qTotal));
  }
  return kl;
}

/**
 * Number of histogram bins to keep, from `startBin` (at least `levels`) up to all of them, that
 * minimises KL(P‖Q); ties go to the wider range, as NVIDIA's pytorch-quantization does.
 */
export function klThresholdBins(counts: ArrayLike<number>, levels: number, startBin: number): number {
  const bins = counts.length;
  const beyond = new Float64Array(bins + 1);
  for (let b = bins - 1; b >= 0; b--) beyond[b] = beyond[b + 1] + counts[b];
  let best = bins;
  let bestKl = Number.POSITIVE_INFINITY;
  for (let kept = Math.min(bins, Math.max(startBin, levels)); kept <= bins; kept++) {
    const kl = klDivergence(counts, kept, levels, beyond[kept]);
    if (kl <= bestKl) {
      bestKl = kl;
      best = kept;
    }
  }
  return best;
}
