import { resolve } from 'node:path';
import { LowbitError, type ModifierReport, type Recipe, runRecipe, tf } from '@lowbit/core-tensor';
import { loadCalibration } from '../calibration';
import { loadEvalSet } from '../eval-set';
import { evaluate } from '../evaluate';
import {
  assertExportableBits,
  assertExportableModel,
  assertOutputWritable,
  assertStorableBits,
  type OutputFormat,
  type QuantizationRecord,
  type QuantizedOutput,
  writeExportDir,
  writeLowbitDir,
} from '../format/index';
import { loadModel } from '../load-model';
import { type MethodOptions, quantMethod } from '../methods';
import type { LoadedModel } from '../model-kinds/index';
import {
  buildReport,
  type LowbitReport,
  reportTarget,
  summaryTable,
  targetsTable,
  writeReport,
} from '../report/index';
import { type CliIo, processIo, Session } from '../session';
import { tokenizerFor } from '../tokenizer';

export interface QuantizeOptions extends MethodOptions {
  method: string;
  /** Calibration data, for methods that observe activations. */
  calib?: string;
  samples?: number;
  seqLen?: number;
  seed: number;
  out: string;
  format: OutputFormat;
  /** onnx: MatMulNBits accuracy_level (default 0). */
  accuracyLevel?: number;
  force: boolean;
  report?: string;
  tokenizer?: string;
  /** Evaluate before and after quantization on this text or IDX images file. */
  evalData?: string;
  labels?: string;
  limit?: number;
}

function runMethod(
  loaded: LoadedModel,
  recipe: Recipe,
  options: QuantizeOptions,
  session: Session,
): ModifierReport[] {
  const observes = recipe.some((m) => m.needsCalibration);
  const calibration = observes ? loadCalibration(loaded, options.method, options) : [];
  try {
    return runRecipe(loaded.model, recipe, { calibration, onProgress: session.onProgress });
  } finally {
    tf.dispose(calibration);
  }
}

/** Writes the quantized model in the chosen format. */
function writeOutput(output: QuantizedOutput, options: QuantizeOptions): Promise<QuantizationRecord> {
  if (options.format === 'lowbit') return writeLowbitDir(output);
  const { format, accuracyLevel = 0, staticGroups, trueSequential } = options;
  return writeExportDir({ ...output, format, accuracyLevel, staticGroups, trueSequential });
}

/**
 * `lowbit quantize`: runs the method's recipe on the model, evaluates it before and after when
 * --eval-data is given, and writes a lowbit directory or an export (and a report).
 */
export async function quantizeCommand(
  modelPath: string,
  options: QuantizeOptions,
  io: CliIo = processIo(),
): Promise<LowbitReport> {
  const recipe = quantMethod(options.method).recipe(options);
  assertStorableBits(options.bits);
  assertExportableBits(options.format, options.bits);
  assertOutputWritable(resolve(options.out), options.force);
  const session = await Session.start(io);
  try {
    const loaded = await loadModel(modelPath);
    if (loaded.record || loaded.kind === 'gptq') {
      const source = loaded.record ? `its source model ${loaded.record.source.path}` : 'its source model';
      throw new LowbitError('BAD_ARGS', `${modelPath} is already quantized; quantize ${source} instead.`);
    }
    assertExportableModel(options.format, loaded);
    const { tokenizer } = options;
    if (tokenizer) tokenizerFor(loaded, tokenizer, 'quantize --tokenizer'); // checks its vocabulary first
    const evalSet = options.evalData
      ? loadEvalSet(loaded, {
          data: options.evalData,
          labels: options.labels,
          limit: options.limit,
          tokenizer,
        })
      : undefined;
    const baseline = evalSet ? evaluate(loaded, evalSet, session.onProgress) : null;
    const reports = runMethod(loaded, recipe, options, session);
    const quantized = evalSet ? evaluate(loaded, evalSet, session.onProgress) : null;
    const { out, force, method } = options;
    const output = { out, force, source: loaded, method, backend: session.backend, reports, tokenizer };
    const manifest = await writeOutput(output, options);
    const report = buildReport(session, {
      command: 'quantize',
      model: { path: modelPath, kind: loaded.kind, quantized: false },
      method: options.method,
      args: { ...options },
      recipe: manifest.recipe,
      metrics: { baseline, quantized },
      targets: manifest.targets.map(reportTarget),
      output: resolve(options.out),
    });
    session.print(targetsTable(report.targets));
    session.print(summaryTable(report));
    if (options.report) writeReport(options.report, report);
    return report;
  } finally {
    session.finish();
  }
}
