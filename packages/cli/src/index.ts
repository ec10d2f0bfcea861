export { type CalibrationOptions, loadCalibration } from './calibration';
export { type EvalOptions, evalCommand } from './commands/eval';
export { type GenerateCommandOptions, generateCommand } from './commands/generate';
export { inspectCommand } from './commands/inspect';
export { type QuantizeOptions, quantizeCommand } from './commands/quantize';
export { type EvalDataOptions, type EvalSet, inferLabelsPath, loadEvalSet } from './eval-set';
export { evaluate, type Metric, type PerplexityMetric, type Top1Metric } from './evaluate';
export {
  LOWBIT_FORMAT_VERSION,
  type LowbitManifest,
  type LowbitModel,
  loadLowbitDir,
  type ManifestTarget,
  type RecipeStep,
  readManifest,
  type WriteLowbitOptions,
  writeLowbitDir,
} from './format/index';
export { type Inspection, type InspectSection, inspectPath } from './inspect/index';
export { isLowbitModel, loadModel } from './load-model';
export { METHODS, type MethodOptions, type QuantMethod, quantMethod } from './methods';
export { type LoadedModel, MODEL_FORMATS, type ModelFormat, type ModelKind } from './model-kinds/index';
export { createProgram } from './program';
export { type LowbitReport, REPORT_SCHEMA_VERSION, type ReportTarget, validateReport } from './report/index';
export { runCli } from './run-cli';
export type { CliIo } from './session';
export { VERSION } from './version';
