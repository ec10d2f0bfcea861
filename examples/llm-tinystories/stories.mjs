// The stories260K evaluation setup the method tables share: a fresh model loader, the validation
// windows (each story from BOS, first seq_len tokens) and seeded calibration batches.
import { dataPath } from '@lowbit/core-tensor';
import { loadLlama2c, loadTokenizer, readTextLines, sampleCalibration, tokenWindows } from '@lowbit/models';

/** `calibration` options go to sampleCalibration (samples, seqLen, seed, batchSize); the caller disposes the batches. */
export function storiesSetup(calibration) {
  const load = () => loadLlama2c(dataPath('llm/stories260K.bin'));
  const fp32 = load();
  const tokenizer = loadTokenizer(dataPath('llm/tok512.bin'), { vocabSize: fp32.config.vocabSize });
  const windows = tokenWindows(readTextLines(dataPath('text/tinystories-valid.txt')), tokenizer, {
    seqLen: fp32.config.seqLen,
  });
  const train = readTextLines(dataPath('text/tinystories-train-excerpt.txt'));
  return { load, fp32, windows, calibration: sampleCalibration(train, { ...calibration, tokenizer }) };
}
