export { type CalibrationOptions, sampleCalibration } from './calibration';
export { readJsonFile, readTextLines } from './files';
export { type TokenWindowOptions, tokenWindows } from './token-windows';
export {
  assertVocabMatches,
  BOS_ID,
  type EncodeOptions,
  EOS_ID,
  type LoadTokenizerOptions,
  loadTokenizer,
  parseTokenizer,
  Tokenizer,
  UNK_ID,
} from './tokenizer';
