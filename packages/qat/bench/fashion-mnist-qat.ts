// W4A4 (or other) LSQ QAT of the real Fashion-MNIST CNN on the full train set; prints t10k accuracy
// before/after and time. Run: npx vitest run --config bench/vitest.bench.config.ts (env QAT_* tunes it).
import { initBackend, testDataPath, tf } from '@lowbit/core-tensor';
import { loadImageClassification, loadOnnxModel, top1Accuracy } from '@lowbit/models';
import { convertQat, evaluateQat, prepareQat, trainQat } from '../src/index';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function fashionMnistQat(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const dir = '/usr/share/datasets/fashion-mnist';
  const limit = env('QAT_TRAIN', 60000);
  const train = loadImageClassification(
    `${dir}/train-images-idx3-ubyte.gz`,
    `${dir}/train-labels-idx1-ubyte.gz`,
    { limit },
  );
  const test = loadImageClassification(
    `${dir}/t10k-images-idx3-ubyte.gz`,
    `${dir}/t10k-labels-idx1-ubyte.gz`,
  );
  const modelPath = testDataPath('cnn/fashion-mnist-cnn.onnx')!;
  const fp32 = top1Accuracy(loadOnnxModel(modelPath), test).accuracy;
  for (const setting of (process.env.QAT_SETTINGS ?? '4,4,0.0001').split(';')) {
    const [wBits, aBits, lr] = setting.split(',').map(Number);
    // A fresh model per setting: convertQat writes the quantized weights into the model.
    await run(loadOnnxModel(modelPath), train, test, fp32, wBits, aBits, lr);
  }
}

async function run(
  model: ReturnType<typeof loadOnnxModel>,
  train: ReturnType<typeof loadImageClassification>,
  test: ReturnType<typeof loadImageClassification>,
  fp32: number,
  wBits: number,
  aBits: number,
  lr: number,
): Promise<void> {
  const cpu = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const cpu0 = cpu();
  let t = performance.now();
  const qat = prepareQat(model, {
    calibration: train,
    calibrationSize: env('QAT_CAL', 1024),
    weights: { bits: wBits, init: (process.env.QAT_INIT ?? 'mse') as 'mse' },
    activations: { bits: aBits, observer: process.env.QAT_OBSERVER ?? 'mse' },
  });
  const ptq = evaluateQat(qat, test).accuracy;
  console.log(
    `RESULT fp32 ${fp32} W${wBits}A${aBits} lr ${lr} start ${ptq} (prepare ${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
  t = performance.now();
  const history = await trainQat(qat, {
    train,
    epochs: env('QAT_EPOCHS', 1),
    batchSize: env('QAT_BATCH', 64),
    learningRate: lr,
    heldOut: test,
    maxStepsPerEpoch: process.env.QAT_STEPS ? env('QAT_STEPS', 0) : undefined,
    onProgress: (e) => {
      if (e.done % 50 === 0)
        console.log(
          `RESULT step ${e.done}/${e.total} ${e.note} ${((performance.now() - t) / 1000).toFixed(0)} s wall, ${(cpu() - cpu0).toFixed(0)} s cpu`,
        );
    },
  });
  for (const e of history.epochs)
    console.log(
      `RESULT epoch ${e.epoch} loss ${e.loss.toFixed(4)} acc ${e.accuracy} ${e.seconds.toFixed(0)} s`,
    );
  const { model: converted, plan } = convertQat(qat);
  const { withActivationQuantization } = await import('@lowbit/core-tensor');
  const final = top1Accuracy(withActivationQuantization(converted, plan!), test).accuracy;
  console.log(
    `RESULT W${wBits}A${aBits} lr ${lr} converted ${final} train+eval ${((performance.now() - t) / 1000).toFixed(0)} s wall, ${(cpu() - cpu0).toFixed(0)} s cpu, tensors ${tf.memory().numTensors}`,
  );
}
