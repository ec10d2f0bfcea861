import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';
import type { OnnxModel } from './onnx-model';
import { onnx } from './onnx-proto';
import { encodeFloatTensor } from './tensor';

export interface SaveOnnxModelOptions {
  /** Replace an existing file (default false: EXISTS). */
  overwrite?: boolean;
}

/** The original model with every weight target's current (dequantized) values written back. */
export function onnxModelBytes(model: OnnxModel): Uint8Array {
  const { proto } = model.graph;
  const initializer = (proto.graph?.initializer ?? []).map((tensor) => {
    const weight = model.weights.get(tensor.name ?? '');
    return weight ? encodeFloatTensor(tensor, weight.onnxValues()) : tensor;
  });
  const graph = onnx.GraphProto.create({ ...proto.graph, initializer });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ ...proto, graph })).finish();
}

/** Writes onnxModelBytes(model) to `path` through a temporary file and a rename. */
export function saveOnnxModel(model: OnnxModel, path: string, options: SaveOnnxModelOptions = {}): void {
  if (existsSync(path) && !options.overwrite) {
    throw new LowbitError(
      'EXISTS',
      `${path} already exists; pass { overwrite: true } or choose another path.`,
      { path },
    );
  }
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, onnxModelBytes(model));
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}
