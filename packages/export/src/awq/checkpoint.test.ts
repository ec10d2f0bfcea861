import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFloat16Bits, initBackend, QuantizedTensor } from '@lowbit/core-tensor';
import { expectLowbitError } from '@lowbit/core-tensor/testing';
import { float32Of, type LlamaModel, readSafetensors, saveHfLlama } from '@lowbit/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { fp16, quantizeActOrder, randomLlama, rtnModel, smallConfig, targets } from '../test-support/models';
import { rawSafetensors } from '../test-support/safetensors';
import { readAwqCheckpoint } from './read';
import { type AwqCheckpointOptions, writeAwqCheckpoint } from './write';

/** W[o, k] = scale[g, o]·(q − zero) straight from the raw tensors, unpacking AutoAWQ's interleave by hand. */
function dequantizeAwq(raw: ReturnType<typeof rawSafetensors>, base: string, groupSize: number) {
  const qweight = raw.get(`${base}.qweight`)!;
  const qzeros = raw.get(`${base}.qzeros`)!;
  const scales = raw.get(`${base}.scales`)!;
  const [inputs, words] = qweight.shape;
  const out = 8 * words;
  const nibble = (bytes: Buffer, row: number, o: number) =>
    (bytes.readUInt32LE(4 * (row * words + (o >> 3))) >>> (4 * [0, 4, 1, 5, 2, 6, 3, 7][o & 7])) & 15;
  const values = new Float32Array(out * inputs);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < inputs; k++) {
      const g = Math.floor(k / groupSize);
      const scale = fromFloat16Bits(scales.bytes.readUInt16LE(2 * (g * out + o)));
      values[o * inputs + k] = Math.fround(
        scale * (nibble(qweight.bytes, k, o) - nibble(qzeros.bytes, g, o)),
      );
    }
  }
  return { shape: [out, inputs], values };
}

describe('AWQ GEMM checkpoints', () => {
  let root: string;
  let count = 0;
  const write = (model: LlamaModel, options: AwqCheckpointOptions = {}) => {
    const dir = join(root, `checkpoint-${count++}`);
    writeAwqCheckpoint(model, dir, options);
    return dir;
  };

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    root = mkdtempSync(join(tmpdir(), 'lowbit-awq-'));
  });

  it('round-trips asymmetric W4 g32 bit-exactly (scales as fp16) and writes AutoAWQ’s config files', () => {
    const model = rtnModel({ bits: 4, groupSize: 32 });
    const dir = write(model, { groupSize: 32 });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors', 'quant_config.json']);
    const { quantized, quantConfig, floats } = readAwqCheckpoint(dir);
    expect(quantized.size).toBe(targets(model).length);
    for (const target of targets(model)) {
      const written = target.quantized!;
      const read = quantized.get(target.name)!;
      expect(read.args, target.name).toEqual(written.args);
      expect(read.shape).toEqual(written.shape);
      expect(read.codes).toEqual(written.codes);
      expect(read.zeroPoint).toEqual(written.zeroPoint);
      expect(read.scale).toEqual(written.scale.map(fp16));
    }
    const expected = {
      zero_point: true,
      q_group_size: 32,
      w_bit: 4,
      version: 'GEMM',
      modules_to_not_convert: null,
    };
    expect(quantConfig).toEqual(expected);
    expect(JSON.parse(readFileSync(join(dir, 'quant_config.json'), 'utf8'))).toEqual(expected);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).quantization_config).toEqual({
      quant_method: 'awq',
      zero_point: true,
      group_size: 32,
      bits: 4,
      version: 'gemm',
      modules_to_not_convert: null,
    });
    expect(floats.get('model.embed_tokens.weight')).toEqual(model.weights().tokenEmbedding.map(fp16));
  });

  it('stores qweight [in, out/8], qzeros [in/group, out/8] and fp16 scales [in/group, out]', () => {
    const raw = rawSafetensors(join(write(rtnModel({ bits: 4, groupSize: 32 })), 'model.safetensors'));
    const shapeOf = (name: string) => `${raw.get(name)?.dtype} [${raw.get(name)?.shape}]`;
    // down_proj: in 96 (hidden), out 64 (dim); k_proj: in 64, out 32.
    expect(shapeOf('model.layers.1.mlp.down_proj.qweight')).toBe('I32 [96,8]');
    expect(shapeOf('model.layers.1.mlp.down_proj.qzeros')).toBe('I32 [3,8]');
    expect(shapeOf('model.layers.1.mlp.down_proj.scales')).toBe('F16 [3,64]');
    expect(shapeOf('model.layers.0.self_attn.k_proj.qweight')).toBe('I32 [64,4]');
    expect(raw.has('model.layers.0.self_attn.k_proj.g_idx')).toBe(false);
  });

  it('dequantizes with W = scale·(q − zero) to lowbit’s weights (fp16 scales), wq/wk in HF order', () => {
    for (const symmetric of [false, true]) {
      const model = rtnModel({ bits: 4, groupSize: 32, symmetric }, 7);
      for (const target of targets(model)) {
        const q = target.quantized!;
        target.setWeight(new QuantizedTensor({ ...q.toRecord(), scale: q.scale.map(fp16) }));
      }
      const raw = rawSafetensors(join(write(model), 'model.safetensors'));
      const hfDir = join(root, `hf-${symmetric}`);
      saveHfLlama(model, hfDir);
      for (const [name, tensor] of readSafetensors(join(hfDir, 'model.safetensors')).tensors) {
        if (!name.endsWith('_proj.weight')) continue;
        const { shape, values } = dequantizeAwq(raw, name.slice(0, -'.weight'.length), 32);
        expect(shape, name).toEqual(tensor.shape);
        expect(values, `${name}, symmetric ${symmetric}`).toEqual(float32Of(tensor));
      }
    }
  });

  it('rejects what AWQ GEMM cannot hold, inconsistent options, and overwriting unless asked', () => {
    expect(
      expectLowbitError(() => write(rtnModel({ bits: 8, groupSize: 32 })), 'BAD_ARGS').message,
    ).toContain('quantize with bits 4');
    expect(
      expectLowbitError(() => write(rtnModel({ bits: 4, groupSize: 'channel' })), 'BAD_ARGS').message,
    ).toContain('groups along the input axis');
    expect(expectLowbitError(() => write(rtnModel({ bits: 4, groupSize: 64 })), 'BAD_ARGS').message).toMatch(
      /in \(96\) to be a multiple of the group size 64/,
    );
    const actOrder = randomLlama(smallConfig(), 5);
    quantizeActOrder(actOrder, 4, 32);
    expect(expectLowbitError(() => write(actOrder), 'BAD_ARGS').message).toContain('write a GPTQ checkpoint');
    expect(expectLowbitError(() => write(randomLlama(smallConfig())), 'BAD_ARGS').message).toContain(
      'layers.0.attention.wq is not quantized',
    );
    const model = rtnModel({ bits: 4, groupSize: 32 });
    expect(expectLowbitError(() => write(model, { groupSize: 128 }), 'BAD_ARGS').message).toContain(
      'options.groupSize is 128',
    );
    const dir = write(model);
    expect(expectLowbitError(() => writeAwqCheckpoint(model, dir), 'EXISTS').message).toContain(
      'overwrite: true',
    );
    writeAwqCheckpoint(model, dir, { overwrite: true, floatDtype: 'F32' });
    expect(readAwqCheckpoint(dir).floats.get('model.norm.weight')).toEqual(model.weights().finalNorm);
  });

  it('reports missing and unsupported checkpoints as LowbitErrors', () => {
    expect(
      expectLowbitError(() => readAwqCheckpoint(join(root, 'nowhere')), 'MISSING_FILE').message,
    ).toContain('quant_config.json');
    const dir = write(rtnModel({ bits: 4, groupSize: 32 }));
    const path = join(dir, 'quant_config.json');
    const config = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...config, version: 'GEMV' }));
    expect(expectLowbitError(() => readAwqCheckpoint(dir), 'BAD_FILE').message).toContain('version "GEMV"');
    writeFileSync(path, JSON.stringify({ ...config, q_group_size: 64 }));
    expect(expectLowbitError(() => readAwqCheckpoint(dir), 'BAD_FILE').message).toContain(
      'q_proj.qzeros" is I32 [2,8], expected I32 [1,8]',
    );
  });
});
