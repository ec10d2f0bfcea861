// onnxruntime-node as the independent reference for the importer's tests.
import * as ort from 'onnxruntime-node';

export interface OrtOutput {
  data: Float32Array;
  dims: number[];
}

/** Runs a model (path or bytes) on one float input; returns the named output. */
export class OrtReference {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: string | Uint8Array): Promise<OrtReference> {
    // Severity 3 (errors only): the real CNN declares batch 128 and warns on every other size.
    const options = { logSeverityLevel: 3 } as const;
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
    return new OrtReference(session);
  }

  async run(
    input: Float32Array,
    dims: readonly number[],
    output = this.session.outputNames[0],
  ): Promise<OrtOutput> {
    const feeds = { [this.session.inputNames[0]]: new ort.Tensor('float32', input, dims) };
    const result = (await this.session.run(feeds, [output]))[output];
    return { data: result.data as Float32Array, dims: result.dims.slice() };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
