import { readFileSync } from 'node:fs';
import { isLowbitError, type LowbitError } from '@lowbit/core-tensor';
import { describe, expect, it } from 'vitest';
import { loadOnnxModel } from './onnx-model';
import { SUPPORTED_ONNX_OPS } from './ops/registry';
import { fashionMnistFiles } from './test-support/fashion-mnist';
import { buildOnnxModel, type NodeSpec, randomValues, type TensorSpec } from './test-support/onnx-builder';

function loadError(source: string | Uint8Array, options?: Parameters<typeof loadOnnxModel>[1]): LowbitError {
  try {
    loadOnnxModel(source, options);
  } catch (e) {
    if (isLowbitError(e)) return e;
    throw e;
  }
  throw new Error('loadOnnxModel did not throw');
}

function graph(nodes: NodeSpec[], initializers: TensorSpec[] = []): Uint8Array {
  return buildOnnxModel({ input: { name: 'x', dims: [1, 4] }, outputs: ['y'], nodes, initializers });
}

const files = fashionMnistFiles();

describe('ONNX importer errors', () => {
  it('names the op type and node of an unsupported op, and lists the supported ones', () => {
    const error = loadError(
      graph([
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Tanh', name: 'my_tanh', inputs: ['r'], outputs: ['y'] },
      ]),
    );
    expect(error.code).toBe('UNSUPPORTED_OP');
    expect(error.message).toContain('Tanh');
    expect(error.message).toContain('"my_tanh"');
    for (const op of SUPPORTED_ONNX_OPS) expect(error.message).toContain(op);
  });

  it('rejects ops of other domains and attributes it does not understand', () => {
    const custom = loadError(graph([{ op: 'Relu', domain: 'com.example', inputs: ['x'], outputs: ['y'] }]));
    expect(custom.code).toBe('UNSUPPORTED_OP');
    expect(custom.message).toContain('com.example');
    const legacy = loadError(
      graph([{ op: 'Add', inputs: ['x', 'x'], outputs: ['y'], attributes: { broadcast: 1 } }]),
    );
    expect(legacy.code).toBe('UNSUPPORTED_OP');
    expect(legacy.message).toContain('broadcast');
  });

  it('rejects a reshape to a computed shape', () => {
    const error = loadError(graph([{ op: 'Reshape', inputs: ['x', 'x'], outputs: ['y'] }]));
    expect(error.code).toBe('UNSUPPORTED_OP');
  });

  it('reports a missing file as MISSING_FILE', () => {
    expect(loadError('/nonexistent/model.onnx').code).toBe('MISSING_FILE');
  });

  it('reports garbage bytes as BAD_FILE', () => {
    const garbage = Uint8Array.from(randomValues(4096, 3), (v) => Math.floor((v + 1) * 128));
    expect(loadError(garbage).code).toBe('BAD_FILE');
    expect(loadError(new Uint8Array()).code).toBe('BAD_FILE');
  });

  it.skipIf(!files)('reports a truncated real model as BAD_FILE', () => {
    const bytes = readFileSync(files!.model);
    for (const length of [100, 4000, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect(loadError(bytes.subarray(0, length)).code).toBe('BAD_FILE');
    }
  });

  it('rejects weights whose data does not match their dims, or of unsupported types', () => {
    const node: NodeSpec = { op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] };
    const short = loadError(graph([node], [{ name: 'w', dims: [4, 3], values: new Float32Array(11) }]));
    expect(short.code).toBe('BAD_FILE');
    expect(short.message).toContain('"w"');
    const shortList = loadError(
      graph([node], [{ name: 'w', dims: [4, 3], values: new Float32Array(13), storage: 'float_data' }]),
    );
    expect(shortList.code).toBe('BAD_FILE');
    const double = loadError(
      graph([node], [{ name: 'w', dims: [4, 3], values: new Float64Array(12), type: 'double' }]),
    );
    expect(double.code).toBe('BAD_FILE');
    expect(double.message).toContain('DOUBLE');
  });

  it('rejects a node that reads a value nobody produces', () => {
    expect(loadError(graph([{ op: 'Relu', inputs: ['nowhere'], outputs: ['y'] }])).code).toBe('BAD_FILE');
  });

  it('rejects an output that the graph does not compute', () => {
    const error = loadError(graph([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }]), { output: 'z' });
    expect(error.code).toBe('BAD_ARGS');
    expect(error.message).toContain('y');
  });
});
