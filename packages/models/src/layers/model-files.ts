import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isLowbitError, LowbitError, tf } from '@lowbit/core-tensor';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Bytes per stored element (quantized weights are stored in their quantization dtype). */
const ELEMENT_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function badModel(path: string, problem: string): LowbitError {
  return new LowbitError('BAD_FILE', `${path} is not a valid tfjs layers model: ${problem}. Re-save it.`, {
    path,
  });
}

function parseModelJson(path: string): tf.io.ModelJSON {
  if (!existsSync(path)) throw new LowbitError('MISSING_FILE', `Model file ${path} not found.`, { path });
  let json: Partial<tf.io.ModelJSON>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw badModel(path, `invalid JSON (${(e as Error).message})`);
  }
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw badModel(path, 'modelTopology or weightsManifest is missing');
  }
  return json as tf.io.ModelJSON;
}

function expectedBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((total, spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    return total + count * ELEMENT_BYTES[spec.quantization?.dtype ?? spec.dtype];
  }, 0);
}

/** Reads the weight shards the manifest lists, next to model.json, and checks their total size. */
function readWeights(
  path: string,
  manifest: tf.io.WeightsManifestConfig,
): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  const specs = manifest.flatMap((group) => group.weights);
  const shards = manifest.flatMap((group) => group.paths).map((shard) => resolve(dirname(path), shard));
  for (const shard of shards) {
    if (!existsSync(shard))
      throw new LowbitError('MISSING_FILE', `Weight shard ${shard} of ${path} not found.`, { path: shard });
  }
  const bytes = Buffer.concat(shards.map((shard) => readFileSync(shard)));
  const expected = expectedBytes(specs);
  if (bytes.length !== expected) {
    throw badModel(path, `its weight shards hold ${bytes.length} bytes; the manifest needs ${expected}`);
  }
  return [specs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer];
}

/** Loads a tfjs layers model (model.json + weight shards) from disk with node:fs. */
export async function loadLayersModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = parseModelJson(modelJsonPath);
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => readWeights(modelJsonPath, manifest)),
  };
  try {
    return await tf.loadLayersModel(handler);
  } catch (e) {
    if (isLowbitError(e)) throw e;
    throw badModel(modelJsonPath, (e as Error).message);
  }
}

function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

function modelJson(artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  const { modelTopology, format, generatedBy, convertedBy, trainingConfig, userDefinedMetadata } = artifacts;
  return {
    modelTopology: modelTopology as object, // a LayersModel's topology is always JSON
    format,
    generatedBy,
    convertedBy,
    ...(trainingConfig ? { trainingConfig } : {}),
    ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
}

export interface SaveLayersModelOptions {
  /** Replace a model.json already in `dir` (default false: EXISTS). */
  overwrite?: boolean;
}

/** Saves a layers model as `dir`/model.json + `dir`/weights.bin (weights first, each via a rename). */
export async function saveLayersModelToDir(
  model: tf.LayersModel,
  dir: string,
  options: SaveLayersModelOptions = {},
): Promise<void> {
  const jsonPath = join(dir, MODEL_JSON);
  if (existsSync(jsonPath) && !options.overwrite) {
    throw new LowbitError(
      'EXISTS',
      `${jsonPath} already exists; pass { overwrite: true } or choose another folder.`,
      {
        path: jsonPath,
      },
    );
  }
  mkdirSync(dir, { recursive: true });
  const handler: tf.io.IOHandler = {
    save: async (artifacts) => {
      writeAtomically(
        join(dir, WEIGHTS_BIN),
        new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)),
      );
      writeAtomically(jsonPath, JSON.stringify(modelJson(artifacts)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
  await model.save(handler);
}
