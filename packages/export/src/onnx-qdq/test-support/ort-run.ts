// onnxruntime-node (CPU) as the independent consumer of the QDQ exports.
import { onnx } from '@lowbit/models';
import * as ort from 'onnxruntime-node';

const { DataType } = onnx.TensorProto;

/** The model with extra graph outputs (e.g. DequantizeLinear outputs), so that ORT returns them. */
export function withOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph as onnx.GraphProto;
  for (const name of names) {
    graph.output.push(
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT } } }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A CPU session. Graph optimizations are off by default: they are what the ONNX spec runs, while
 * ORT 1.30's optimizer changes int4 graphs (see README: ORT limitations).
 */
export async function ortSession(
  bytes: Uint8Array,
  optimization: 'disabled' | 'all' = 'disabled',
): Promise<ort.InferenceSession> {
  // Severity 3 (errors only): the Fashion-MNIST CNN declares an output of batch 128 and warns otherwise.
  return ort.InferenceSession.create(bytes, {
    logSeverityLevel: 3,
    intraOpNumThreads: 2,
    graphOptimizationLevel: optimization,
  });
}

/** Runs one float input; returns the named outputs (default: all). */
export async function ortRun(
  session: ort.InferenceSession,
  input: Float32Array,
  dims: readonly number[],
  outputs: readonly string[] = session.outputNames,
): Promise<Record<string, Float32Array>> {
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, dims) };
  const result = await session.run(feeds, outputs.slice());
  return Object.fromEntries(outputs.map((name) => [name, result[name].data as Float32Array]));
}

/** Logits of `count` images [N, 1, 28, 28] (batches of 500) from the session's first output. */
export async function ortLogits(
  session: ort.InferenceSession,
  images: Float32Array,
  count: number,
  imageDims: readonly number[] = [1, 28, 28],
): Promise<Float32Array> {
  const size = imageDims.reduce((a, b) => a * b, 1);
  const output = session.outputNames[0];
  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    const batch = images.subarray(start * size, (start + n) * size);
    chunks.push((await ortRun(session, batch, [n, ...imageDims], [output]))[output]);
  }
  const logits = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    logits.set(c, offset);
    offset += c.length;
  }
  return logits;
}

/** The argmax of each row of [rows, classes] logits. */
export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const rows = logits.length / classes;
  return Int32Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    return best;
  });
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}
