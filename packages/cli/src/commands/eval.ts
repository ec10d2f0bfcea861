import type { EvalDataOptions } from '../eval-set';
import { loadEvalSet } from '../eval-set';
import { evaluate, type Metric } from '../evaluate';
import type { QuantizationRecord } from '../format/index';
import { loadModel } from '../load-model';
import { findOnnxLlm } from '../onnx-llm';
import { evaluateOnnxLlm } from '../onnx-llm-eval';
import { buildReport, type LowbitReport, reportTarget, summaryTable, writeReport } from '../report/index';
import { type CliIo, processIo, Session } from '../session';

export interface EvalOptions extends EvalDataOptions {
  /** Tokens per window of a bare ONNX LLM (default: its lowbit-export.json). */
  seqLen?: number;
  report?: string;
}

interface Evaluated {
  kind: string;
  metric: Metric;
  /** How the model was quantized, for a lowbit directory or an export. */
  record?: QuantizationRecord;
}

/** An ONNX LLM runs in onnxruntime; any other model is loaded and run by lowbit. */
async function evaluatePath(path: string, options: EvalOptions, session: Session): Promise<Evaluated> {
  const llm = findOnnxLlm(path);
  if (llm) {
    const metric = await evaluateOnnxLlm(llm, options, session.onProgress);
    return { kind: 'onnx-llm', metric, record: llm.manifest };
  }
  const loaded = await loadModel(path);
  const metric = evaluate(loaded, loadEvalSet(loaded, options), session.onProgress);
  return { kind: loaded.kind, metric, record: loaded.record };
}

/**
 * `lowbit eval`: perplexity of a causal LM on a text file, or top-1 accuracy of a classifier on IDX
 * images, for a model, a lowbit directory or an export (reported as the quantized metric).
 */
export async function evalCommand(
  modelPath: string,
  options: EvalOptions,
  io: CliIo = processIo(),
): Promise<LowbitReport> {
  const session = await Session.start(io);
  try {
    const { kind, metric, record } = await evaluatePath(modelPath, options, session);
    const report = buildReport(session, {
      command: 'eval',
      model: { path: modelPath, kind, quantized: record !== undefined },
      method: record?.method ?? null,
      args: { ...options },
      recipe: record?.recipe ?? [],
      metrics: record ? { baseline: null, quantized: metric } : { baseline: metric, quantized: null },
      targets: record?.targets.map(reportTarget) ?? [],
      output: null,
    });
    session.print(summaryTable(report));
    if (options.report) writeReport(options.report, report);
    return report;
  } finally {
    session.finish();
  }
}
