import { denseEngine } from '@lowbit/core-tensor';

/**
 * ½·tr((W − Ŵ) H (W − Ŵ)ᵀ) for W, Ŵ [rows, columns] and H [columns, columns], row-major. With
 * H = 2/n Σ xxᵀ over n calibration rows this is the mean over those rows of the layer's squared
 * output error ‖(W − Ŵ)x‖². The product runs on the dense engine.
 */
export function outputError(
  weight: Float32Array,
  reconstruction: Float32Array,
  hessian: Float32Array,
  rows: number,
): number {
  const columns = weight.length / rows;
  const delta = weight.map((w, i) => w - reconstruction[i]);
  const product = denseEngine().matMul(delta, hessian, { m: rows, k: columns, n: columns });
  let sum = 0;
  for (let i = 0; i < delta.length; i++) sum += product[i] * delta[i];
  return sum / 2;
}
