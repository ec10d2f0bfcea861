import { readFileSync } from 'node:fs';

/** The tensors of a safetensors file parsed by hand: [dtype, shape, raw bytes]. */
export function rawSafetensors(path: string): Map<string, { dtype: string; shape: number[]; bytes: Buffer }> {
  const file = readFileSync(path);
  const length = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + length).toString());
  delete header.__metadata__;
  return new Map(
    Object.entries(header).map(([name, e]) => {
      const {
        dtype,
        shape,
        data_offsets: [begin, end],
      } = e as { dtype: string; shape: number[]; data_offsets: number[] };
      return [name, { dtype, shape, bytes: file.subarray(8 + length + begin, 8 + length + end) }];
    }),
  );
}
