import { basename, dirname, join } from 'node:path';
import { bytesFile, LowbitError, type OutputFile, writeAll } from '@lowbit/core-tensor';
import { onnx } from '@lowbit/models';
import { DATA_TYPE, type GraphBuilder, type Initializer } from './graph-builder';

/** Weights above this many bytes go to an external data file: protobuf messages must stay below 2 GiB. */
const INLINE_LIMIT = 1.8 * 2 ** 30;
/** Initializers smaller than this stay inline even with external data. */
const EXTERNAL_MIN_BYTES = 1024;
/** Offsets of external tensors are multiples of this (page-aligned, so they can be memory-mapped). */
const ALIGNMENT = 4096;

export const OPSET = 17;
export const MS_DOMAIN = 'com.microsoft';

export interface SerializeOptions {
  /** Store large initializers in `<file>.data` beside the model (default: only above ~1.8 GiB). */
  externalData?: boolean;
}

interface Placement {
  initializer: Initializer;
  offset: number;
}

function inlineTensor({ name, type, dims, bytes }: Initializer): onnx.ITensorProto {
  return { name, dataType: DATA_TYPE[type], dims: dims.slice(), rawData: bytes };
}

function externalTensor({ name, type, dims, bytes }: Initializer, location: string, offset: number) {
  const externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(bytes.length) },
  ];
  return {
    name,
    dataType: DATA_TYPE[type],
    dims: dims.slice(),
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData,
  };
}

function encodeModel(graph: GraphBuilder, initializer: onnx.ITensorProto[]): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'lowbit',
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: MS_DOMAIN, version: 1 },
    ],
    graph: {
      name: 'lowbit',
      node: graph.nodes,
      initializer,
      input: graph.inputs,
      output: graph.outputs,
    },
  }).finish();
}

function placeExternal(initializers: readonly Initializer[]): { placements: Placement[]; size: number } {
  let size = 0;
  const placements = initializers
    .filter((i) => i.bytes.length >= EXTERNAL_MIN_BYTES)
    .map((initializer) => {
      const offset = Math.ceil(size / ALIGNMENT) * ALIGNMENT;
      size = offset + initializer.bytes.length;
      return { initializer, offset };
    });
  return { placements, size };
}

function writeExternalData(fd: number, placements: readonly Placement[]): void {
  let position = 0;
  for (const { initializer, offset } of placements) {
    writeAll(fd, new Uint8Array(offset - position));
    writeAll(fd, initializer.bytes);
    position = offset + initializer.bytes.length;
  }
}

function withExternalData(graph: GraphBuilder, path: string): OutputFile[] {
  const location = `${basename(path)}.data`;
  const { placements } = placeExternal(graph.initializers);
  const offsets = new Map(placements.map((p) => [p.initializer, p.offset]));
  const tensors = graph.initializers.map((i) => {
    const offset = offsets.get(i);
    return offset === undefined ? inlineTensor(i) : externalTensor(i, location, offset);
  });
  const model = encodeModel(graph, tensors);
  return [
    { path: join(dirname(path), location), fill: (fd) => writeExternalData(fd, placements) },
    bytesFile(path, model),
  ];
}

/** The files of the model at `path`: the .onnx file, preceded by its external data file when used. */
export function onnxModelFiles(
  graph: GraphBuilder,
  path: string,
  options: SerializeOptions = {},
): OutputFile[] {
  const weightBytes = graph.initializers.reduce((sum, i) => sum + i.bytes.length, 0);
  const external = options.externalData ?? weightBytes > INLINE_LIMIT;
  if (external) return withExternalData(graph, path);
  if (weightBytes > INLINE_LIMIT) {
    throw new LowbitError(
      'BAD_ARGS',
      `The model's weights take ${(weightBytes / 2 ** 30).toFixed(2)} GiB, above the 2 GiB protobuf limit; drop externalData: false.`,
    );
  }
  const model = encodeModel(graph, graph.initializers.map(inlineTensor));
  return [bytesFile(path, model)];
}
