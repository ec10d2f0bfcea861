import { LowbitError } from '@lowbit/core-tensor';
import { isDefaultDomain, type OnnxNode } from '../graph';
import { BATCH_NORMALIZATION } from './batch-norm';
import { CONV } from './conv';
import { ADD, CLIP, MUL, RELU } from './elementwise';
import { GEMM, MATMUL } from './gemm';
import { CONSTANT, DROPOUT, IDENTITY } from './identity';
import type { OpSpec } from './op';
import { AVERAGE_POOL, GLOBAL_AVERAGE_POOL, MAX_POOL } from './pool';
import { FLATTEN, RESHAPE } from './shape';
import { LOG_SOFTMAX, SOFTMAX } from './softmax';

const OPS: ReadonlyMap<string, OpSpec> = new Map(
  Object.entries({
    Add: ADD,
    AveragePool: AVERAGE_POOL,
    BatchNormalization: BATCH_NORMALIZATION,
    Clip: CLIP,
    Constant: CONSTANT,
    Conv: CONV,
    Dropout: DROPOUT,
    Flatten: FLATTEN,
    Gemm: GEMM,
    GlobalAveragePool: GLOBAL_AVERAGE_POOL,
    Identity: IDENTITY,
    LogSoftmax: LOG_SOFTMAX,
    MatMul: MATMUL,
    MaxPool: MAX_POOL,
    Mul: MUL,
    Relu: RELU,
    Reshape: RESHAPE,
    Softmax: SOFTMAX,
  }),
);

/** The ai.onnx op types the importer runs. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [...OPS.keys()];

function unsupportedNode(node: OnnxNode, why: string): LowbitError {
  return new LowbitError(
    'UNSUPPORTED_OP',
    `ONNX op ${node.opType} (node "${node.name}") is not supported${why}. Supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}.`,
    { opType: node.opType, node: node.name },
  );
}

/** The spec that runs `node`, after checking its domain, attributes and single output. */
export function opSpecFor(node: OnnxNode, opset: number): OpSpec {
  const spec = isDefaultDomain(node) ? OPS.get(node.opType) : undefined;
  if (!spec) throw unsupportedNode(node, isDefaultDomain(node) ? '' : ` (domain "${node.domain}")`);
  const unknown = node.attributes.names().filter((name) => !spec.attributes.includes(name));
  if (unknown.length > 0) throw unsupportedNode(node, ` with attribute(s) ${unknown.join(', ')}`);
  if (node.outputs.filter((o) => o !== '').length !== 1)
    throw unsupportedNode(node, ' with more than one output');
  spec.check?.(node, opset);
  return spec;
}
