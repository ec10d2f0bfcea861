import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { perChannel, perTensor } from './granularity';
import { chooseQParams } from './qparams';
import { quantArgs } from './quant-args';
import { dequantize, quantize } from './quantize';
import { TEST_BACKENDS } from './test-support/backends';
import { loadNodeTest, nodeTestNames, type TestTensor } from './test-support/onnx-test-data';
import { tf } from './tf';

const toTensor = (t: TestTensor) => tf.tensor(t.values, t.dims, 'float32');

/** QuantArgs matching an ONNX (De)QuantizeLinear node: the zero point's type decides signedness. */
function argsFor(zeroPoint: TestTensor | undefined, scale: TestTensor, axis: number | undefined) {
  const perAxis = scale.dims.length === 1 && scale.dims[0] > 1;
  return quantArgs({
    bits: 8,
    signed: zeroPoint?.dataType === 'int8',
    symmetric: false,
    granularity: perAxis ? perChannel(axis ?? 1) : perTensor(),
  });
}

const quantizeCases = nodeTestNames('test_quantizelinear');
const dequantizeCases = nodeTestNames('test_dequantizelinear');
const dynamicCases = nodeTestNames('test_dynamicquantizelinear');

describe.each(TEST_BACKENDS)('ONNX conformance on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('finds the conformance suite (CI installs libonnx-testdata)', () => {
    if (process.env.CI === 'true')
      expect(quantizeCases.length + dequantizeCases.length).toBeGreaterThanOrEqual(4);
    if (process.env.CI === 'true') expect(dynamicCases.length).toBe(6);
  });

  it.each(quantizeCases)('%s', (name) => {
    const c = loadNodeTest(name)!;
    const [x, scale, zeroPoint] = c.inputs;
    const args = argsFor(zeroPoint, scale, c.attributes.axis);
    const codes = tf.tidy(() =>
      quantize(
        toTensor(x),
        { scale: toTensor(scale), zeroPoint: zeroPoint ? toTensor(zeroPoint) : tf.zeros(scale.dims) },
        args,
      ).dataSync(),
    );
    expect(Array.from(codes)).toEqual(Array.from(c.outputs[0].values));
  });

  it.each(dequantizeCases)('%s', (name) => {
    const c = loadNodeTest(name)!;
    const [codes, scale, zeroPoint] = c.inputs;
    const args = argsFor(zeroPoint, scale, c.attributes.axis);
    const values = tf.tidy(() =>
      dequantize(
        tf.tensor(codes.values, codes.dims, 'int32'),
        { scale: toTensor(scale), zeroPoint: zeroPoint ? toTensor(zeroPoint) : tf.zeros(scale.dims) },
        args,
      ).dataSync(),
    );
    expect(Array.from(values)).toEqual(Array.from(c.outputs[0].values));
  });

  it.each(dynamicCases)('%s', (name) => {
    const c = loadNodeTest(name)!;
    const [y, yScale, yZeroPoint] = c.outputs;
    // DynamicQuantizeLinear = uint8 affine min/max qparams with the range extended to include 0.
    const args = quantArgs({ bits: 8, signed: false, symmetric: false });
    const [codes, scale, zero] = tf.tidy(() => {
      const x = toTensor(c.inputs[0]);
      const qp = chooseQParams(x, args);
      return [quantize(x, qp, args).dataSync(), qp.scale.dataSync(), qp.zeroPoint.dataSync()];
    });
    expect(Array.from(scale)).toEqual(Array.from(yScale.values));
    expect(Array.from(zero)).toEqual(Array.from(yZeroPoint.values));
    expect(Array.from(codes)).toEqual(Array.from(y.values));
  });
});
