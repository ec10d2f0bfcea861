// `@lowbit/models/testing`: the real test data every package's tests share (skips outside CI when absent).
export { fashionMnist, fashionMnistCnn, fashionMnistFiles } from './onnx/test-support/fashion-mnist';
