import { statSync } from 'node:fs';
import { loadLlama2c } from '@lowbit/models';
import { formatBytes, keyValueTable } from '../table';
import type { Inspection } from './section';

/** A llama2.c checkpoint's header, validated against the file size. */
export function inspectLlama2c(path: string): Inspection {
  const { config, blocks, outerTargets } = loadLlama2c(path);
  const params = [...blocks.flatMap((b) => b.targets), ...outerTargets].reduce(
    (sum, t) => sum + t.shape.reduce((a, b) => a * b, 1),
    0,
  );
  const table = keyValueTable([
    ['file size', formatBytes(statSync(path).size)],
    ['dim', config.dim],
    ['hidden_dim', config.hiddenDim],
    ['n_layers', config.nLayers],
    ['n_heads', config.nHeads],
    ['n_kv_heads', config.nKvHeads],
    ['vocab_size', config.vocabSize],
    ['classifier', config.tiedEmbeddings ? 'shared with the token embedding' : 'separate'],
    ['seq_len', config.seqLen],
    ['weight matrices', `${params.toLocaleString('en-US')} parameters`],
  ]);
  return { kind: 'llama2.c checkpoint', sections: [{ title: 'header', table }] };
}
