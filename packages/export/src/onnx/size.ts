import { readFileSync } from 'node:fs';
import { HF_CLASSIFIER, HF_EMBEDDING, onnx } from '@lowbit/models';

/** Bytes of each initializer of an ONNX model (inline raw data, or its external data length). */
export function onnxInitializerBytes(path: string): Map<string, number> {
  const model = onnx.ModelProto.decode(readFileSync(path));
  return new Map(
    (model.graph?.initializer ?? []).map((t) => {
      const external = t.externalData?.find((e) => e.key === 'length')?.value;
      return [t.name ?? '', external ? Number(external) : (t.rawData?.length ?? 0)] as const;
    }),
  );
}

/** Weight bytes of an exported llama without its token embedding and classifier. */
export function onnxDecoderBytes(path: string): number {
  let bytes = 0;
  for (const [name, size] of onnxInitializerBytes(path)) {
    if (!name.startsWith(`${HF_EMBEDDING}.`) && !name.startsWith(`${HF_CLASSIFIER}.`)) bytes += size;
  }
  return bytes;
}

/** Decoder weight bytes of `quantizedPath` over those of `floatPath` (embedding and classifier excluded). */
export function onnxSizeRatio(quantizedPath: string, floatPath: string): number {
  return onnxDecoderBytes(quantizedPath) / onnxDecoderBytes(floatPath);
}
