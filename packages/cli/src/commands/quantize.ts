import { resolve } from 'node:path';
import { LowbitError, type ModifierReport, type Recipe, runRecipe, tf } from '@lowbit/core-tensor';
import { loadCalibration } from '../calibration';
import { loadEvalSet } from '../eval-set';
import { evaluate } from '../evaluate';
import { assertOutputWritable, assertStorableBits, writeLowbitDir } from '../format/index';
import { isLowbitModel, loadModel } from '../load-model';
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
  samples: number;
  seqLen?: number;
  seed: number;
  out: string;
  format: 'lowbit';
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

/**
 * `lowbit quantize`: runs the method's recipe on the model, evaluates it before and after when
 * --eval-data is given, and writes a lowbit directory (and a report).
 */
export async function quantizeCommand(
  modelPath: string,
  options: QuantizeOptions,
  io: CliIo = processIo(),
): Promise<LowbitReport> {
  const recipe = quantMethod(options.method).recipe(options);
  assertStorableBits(options.bits);
  assertOutputWritable(resolve(options.out), options.force);
  const session = await Session.start(io);
  try {
    const loaded = await loadModel(modelPath);
    if (isLowbitModel(loaded)) {
      throw new LowbitError(
        'BAD_ARGS',
        `${modelPath} is already quantized; quantize its source model ${loaded.manifest.source.path} instead.`,
      );
    }
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
    const manifest = await writeLowbitDir({
      out: options.out,
      force: options.force,
      source: loaded,
      method: options.method,
      backend: session.backend,
      reports,
      tokenizer,
    });
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
