import { tf } from './tf';

// tfjs-backend-wasm 4.22 lacks some gradient kernels, so conv training fails on it. These are
// registered for wasm when initBackend selects it: the conv filter gradient as a wasm conv2d,
// the rest by running the cpu backend's kernel on copies of the data.

type KernelConfig = Parameters<typeof tf.registerKernel>[0];
type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };
type Backend = {
  readSync(dataId: object): tf.TypedArray;
  write(values: tf.TypedArray, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object): boolean;
  makeOutput?(shape: number[], dtype: tf.DataType, offset?: number, values?: tf.TypedArray): TensorInfo;
};

const CPU_FALLBACKS = ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];

function toTensor(backend: Backend, info: TensorInfo): tf.Tensor {
  return tf.tensor(backend.readSync(info.dataId), info.shape, info.dtype);
}

function output(backend: Backend, result: tf.Tensor): TensorInfo {
  const values = result.dataSync();
  const info = backend.makeOutput!(result.shape, result.dtype, undefined, values);
  result.dispose();
  return info;
}

/**
 * dW[kh, kw, ci, co] = Σ x[n, h·s + kh, w·s + kw, ci] · dy[n, h, w, co]: a stride-1 conv of the
 * padded input (channels as batch) with dy (batch as channels) dilated by the stride.
 */
function conv2dFilterGradient({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as unknown as Backend;
  const { x, dy } = inputs as unknown as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape, dataFormat } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
    dataFormat: 'NHWC' | 'NCHW';
  };
  const result = tf.tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    const input = channelsFirst ? tf.transpose(toTensor(wasm, x), [0, 2, 3, 1]) : toTensor(wasm, x);
    const grad = channelsFirst ? tf.transpose(toTensor(wasm, dy), [0, 2, 3, 1]) : toTensor(wasm, dy);
    const info = tf.backend_util.computeConv2DInfo(
      input.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const padded = tf.pad(input, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const byChannel = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
    const kernel = tf.transpose(grad, [1, 2, 0, 3]) as tf.Tensor4D;
    const full = tf.conv2d(byChannel, kernel, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    const [kh, kw] = filterShape;
    return tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]);
  });
  return output(wasm, result);
}

/** Runs the cpu backend's kernel on copies of the inputs and copies the result back. */
function cpuFallback(name: string) {
  return ({ inputs, backend, attrs }: KernelArgs) => {
    const wasm = backend as unknown as Backend;
    const cpu = tf.engine().findBackend('cpu') as unknown as Backend;
    const cpuKernel = tf.getKernel(name, 'cpu')!;
    const cpuInputs = Object.fromEntries(
      Object.entries(inputs as unknown as Record<string, TensorInfo>).map(([key, info]) => [
        key,
        { ...info, dataId: cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype) },
      ]),
    );
    const out = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs } as unknown as KernelArgs);
    const outputs = (Array.isArray(out) ? out : [out]) as TensorInfo[];
    const copied = outputs.map((o) => {
      const values = cpu.readSync(o.dataId);
      cpu.disposeData(o.dataId);
      return wasm.makeOutput!(o.shape, o.dtype, undefined, values);
    });
    for (const info of Object.values(cpuInputs)) cpu.disposeData(info.dataId);
    return (Array.isArray(out) ? copied : copied[0]) as ReturnType<KernelConfig['kernelFunc']>;
  };
}

let registered = false;

/** Registers the gradient kernels tfjs-backend-wasm lacks (idempotent). */
export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2dFilterGradient as unknown as KernelConfig['kernelFunc'],
    });
  }
  for (const name of CPU_FALLBACKS) {
    if (!tf.getKernel(name, 'wasm') && tf.getKernel(name, 'cpu')) {
      tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: cpuFallback(name) });
    }
  }
}
