/** density · ∫ x² dx over [begin, end]: the L2 error of values spread uniformly there. */
function l2Norm(begin: number, end: number, density: number): number {
  return (density * (end * end * end - begin * begin * begin)) / 3;
}

/**
 * PyTorch's `_compute_quantization_error`: the estimated L2 error of quantizing a histogram with
 * `dstBins` uniform levels spanning source bins [startBin, endBin], where values outside clamp to
 * the first or last level. Lengths are in units of one source bin, so the result is the error
 * divided by the squared bin width (which leaves the search's comparisons unchanged).
 */
export function histogramQuantError(
  counts: ArrayLike<number>,
  startBin: number,
  endBin: number,
  dstBins: number,
): number {
  const dstWidth = (endBin - startBin + 1) / dstBins;
  const half = dstWidth / 2;
  const dstBinOf = (position: number) => Math.min(dstBins - 1, Math.max(0, Math.floor(position / dstWidth)));
  let error = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    const density = counts[bin];
    if (density === 0) continue;
    const begin = bin - startBin;
    const end = begin + 1;
    const first = dstBinOf(begin);
    const last = dstBinOf(end);
    // From the source bin's start to the end of its first level, the whole levels after it, and
    // from the start of its last level to its end; for first === last the middle term is −1 level.
    error += l2Norm(begin - (first + 0.5) * dstWidth, half, density);
    error += (last - first - 1) * l2Norm(-half, half, density);
    error += l2Norm(-half, end - (last + 0.5) * dstWidth, density);
  }
  return error;
}

/**
 * PyTorch's `_non_linear_param_search` (from caffe2's NormMinimization): starting from the full
 * histogram, repeatedly moves whichever end of [startBin, endBin] crosses more bins for the next
 * 1e-5 quantile step, and stops as soon as the estimated L2 quantization error grows.
 */
export function searchHistogramRange(
  counts: ArrayLike<number>,
  dstBins: number,
): { startBin: number; endBin: number } {
  const bins = counts.length;
  const cumulative = new Float64Array(bins);
  let sum = 0;
  for (let b = 0; b < bins; b++) {
    sum += counts[b];
    cumulative[b] = sum;
  }
  const total = cumulative[bins - 1];
  const step = 1e-5;
  let alpha = 0;
  let beta = 1;
  let startBin = 0;
  let endBin = bins - 1;
  let bestError = Number.POSITIVE_INFINITY;
  while (alpha < beta) {
    const nextAlpha = alpha + step;
    const nextBeta = beta - step;
    let left = startBin;
    let right = endBin;
    while (left < endBin && cumulative[left] < nextAlpha * total) left++;
    while (right > startBin && cumulative[right] > nextBeta * total) right--;
    let nextStart = startBin;
    let nextEnd = endBin;
    if (left - startBin > endBin - right) {
      nextStart = left;
      alpha = nextAlpha;
    } else {
      nextEnd = right;
      beta = nextBeta;
    }
    if (nextStart === startBin && nextEnd === endBin) continue;
    const error = histogramQuantError(counts, nextStart, nextEnd, dstBins);
    if (error > bestError) break;
    bestError = error;
    startBin = nextStart;
    endBin = nextEnd;
  }
  return { startBin, endBin };
}
