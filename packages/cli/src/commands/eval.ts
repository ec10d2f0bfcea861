import { type EvalDataOptions, loadEvalSet } from '../eval-set';
import { evaluate } from '../evaluate';
import { isLowbitModel, loadModel } from '../load-model';
import { buildReport, type LowbitReport, reportTarget, summaryTable, writeReport } from '../report/index';
import { type CliIo, processIo, Session } from '../session';

export interface EvalOptions extends EvalDataOptions {
  report?: string;
}

/**
 * `lowbit eval`: perplexity of a causal LM on a text file, or top-1 accuracy of a classifier on IDX
 * images, for a model or a lowbit directory (reported as the quantized metric).
 */
export async function evalCommand(
  modelPath: string,
  options: EvalOptions,
  io: CliIo = processIo(),
): Promise<LowbitReport> {
  const session = await Session.start(io);
  try {
    const loaded = await loadModel(modelPath);
    const metric = evaluate(loaded, loadEvalSet(loaded, options), session.onProgress);
    const lowbit = isLowbitModel(loaded) ? loaded.manifest : undefined;
    const report = buildReport(session, {
      command: 'eval',
      model: { path: modelPath, kind: loaded.kind, quantized: lowbit !== undefined },
      method: lowbit?.method ?? null,
      args: { ...options },
      recipe: lowbit?.recipe ?? [],
      metrics: lowbit ? { baseline: null, quantized: metric } : { baseline: metric, quantized: null },
      targets: lowbit?.targets.map(reportTarget) ?? [],
      output: null,
    });
    session.print(summaryTable(report));
    if (options.report) writeReport(options.report, report);
    return report;
  } finally {
    session.finish();
  }
}
