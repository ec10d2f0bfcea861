import { existsSync } from 'node:fs';
import { LowbitError } from '@lowbit/core-tensor';
import { readJsonFile, type SafetensorsDtype, type SafetensorsTensor } from '@lowbit/models';

export function badFile(path: string, problem: string): never {
  throw new LowbitError('BAD_FILE', `${path}: ${problem}. Re-export the checkpoint.`);
}

/** fp16 bits of an F16 tensor (a copy: the bytes may be an unaligned Buffer view). */
export function float16Bits(tensor: SafetensorsTensor): Uint16Array {
  return new Uint16Array(new Uint8Array(tensor.bytes).buffer);
}

/** Removes and returns tensor `name`, checking its dtype and shape. */
export function take(
  entries: Map<string, SafetensorsTensor>,
  name: string,
  dtype: SafetensorsDtype,
  shape: number[],
  path: string,
): SafetensorsTensor {
  const entry = entries.get(name) ?? badFile(path, `tensor "${name}" is missing`);
  if (entry.dtype !== dtype || entry.shape.join() !== shape.join()) {
    badFile(path, `tensor "${name}" is ${entry.dtype} [${entry.shape}], expected ${dtype} [${shape}]`);
  }
  entries.delete(name);
  return entry;
}

/** A JSON object file of a checkpoint folder; `contents` names the folder's files for the error. */
export function readJson(path: string, contents: string): Record<string, unknown> {
  if (!existsSync(path)) throw new LowbitError('MISSING_FILE', `${path} not found; ${contents}.`);
  const json = readJsonFile(path);
  if (typeof json !== 'object' || json === null) {
    throw new LowbitError('BAD_FILE', `${path} is not a JSON object.`);
  }
  return json as Record<string, unknown>;
}

export function field<T>(json: Record<string, unknown>, key: string, kind: string, path: string): T {
  if (typeof json[key] !== kind) {
    throw new LowbitError(
      'BAD_FILE',
      `${path}: "${key}" is ${JSON.stringify(json[key])}; expected a ${kind}.`,
    );
  }
  return json[key] as T;
}
