import { groupLayout, LowbitError, QuantizedTensor } from '@lowbit/core-tensor';
import { float32Of, int32Of, type SafetensorsFile, type SafetensorsWriteEntry } from '@lowbit/models';
import { type ManifestTarget, TENSORS_FILE, targetArgs } from './manifest';

/** The safetensors names of a target's packed codes, scales, zero points and optional g_idx. */
function tensorNames(target: string) {
  return {
    codes: `${target}.codes`,
    scale: `${target}.scale`,
    zeroPoint: `${target}.zero_point`,
    gIdx: `${target}.g_idx`,
  };
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function bad(target: string, problem: string): LowbitError {
  return new LowbitError(
    'BAD_FILE',
    `${TENSORS_FILE}: target "${target}" ${problem}. The lowbit directory is damaged; re-create it with \`lowbit quantize … --out DIR --force\`.`,
  );
}

/** A target's tensors: codes packed into int32 words, float32 scale and zero point, int32 g_idx. */
export function quantizedTensorEntries(
  target: string,
  quantized: QuantizedTensor,
): [string, SafetensorsWriteEntry][] {
  const names = tensorNames(target);
  const codes = quantized.packCodes();
  const entries: [string, SafetensorsWriteEntry][] = [
    [names.codes, { shape: [codes.length], data: codes }],
    [names.scale, { shape: quantized.paramShape, data: quantized.scale }],
    [names.zeroPoint, { shape: quantized.paramShape, data: quantized.zeroPoint }],
  ];
  if (quantized.gIdx) entries.push([names.gIdx, { shape: [quantized.gIdx.length], data: quantized.gIdx }]);
  return entries;
}

/** A stored tensor of the target, or a BAD_FILE error naming it. */
function stored(file: SafetensorsFile, target: string, tensor: string) {
  const found = file.tensors.get(tensor);
  if (!found) throw bad(target, `has no tensor ${tensor}`);
  return found;
}

/** The QuantizedTensor of a manifest target, read back from the tensors file and checked against it. */
export function readQuantizedTensor(file: SafetensorsFile, target: ManifestTarget): QuantizedTensor {
  const { name, quantizedShape, shape } = target;
  if (product(quantizedShape) !== product(shape)) {
    throw bad(
      name,
      `is quantized as [${quantizedShape}], which does not hold the ${product(shape)} elements of [${shape}]`,
    );
  }
  const args = targetArgs(target);
  const names = tensorNames(name);
  const { paramShape } = groupLayout(quantizedShape, args.granularity);
  const words = Math.ceil((product(quantizedShape) * args.bits) / 32);
  const checks: [string, number[]][] = [
    [names.codes, [words]],
    [names.scale, paramShape],
    [names.zeroPoint, paramShape],
  ];
  for (const [tensor, expected] of checks) {
    const actual = stored(file, name, tensor).shape;
    if (actual.join() !== expected.join())
      throw bad(name, `has ${tensor} [${actual}], expected [${expected}]`);
  }
  const unpacked = new QuantizedTensor({
    shape: quantizedShape,
    args,
    codes: new Int32Array(product(quantizedShape)),
    scale: float32Of(stored(file, name, names.scale), names.scale).slice(),
    zeroPoint: float32Of(stored(file, name, names.zeroPoint), names.zeroPoint).slice(),
    gIdx: file.tensors.has(names.gIdx) ? int32Of(stored(file, name, names.gIdx), names.gIdx) : undefined,
  });
  return unpacked.withPackedCodes(int32Of(stored(file, name, names.codes), names.codes));
}
