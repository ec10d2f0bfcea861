import type { ActivationQParams, ActivationQuantizer, ActivationQuantPlan } from '@lowbit/core-tensor';
import {
  type Block,
  LowbitError,
  type ModifierContext,
  type ModifierReport,
  type QuantArgsInput,
  scalarQParams,
  type TargetReport,
} from '@lowbit/core-tensor';
import { calibrateInputs, createObserver, type Observer } from '@lowbit/observers';
import { linearTargets, quantizeTargetInt8 } from './quantize-weights';
import { staticActivationArgs, WEIGHT_ARGS } from './w8a8-args';

export interface W8A8StaticOptions {
  /** Registry name of the @lowbit/observers observer that calibrates each linear's input (default 'minmax'). */
  observer?: string;
  /** Further options of that observer (e.g. a percentile); its args are `activationArgs`. */
  observerOptions?: Record<string, unknown>;
  /** Per-tensor activation quantization (default int8, symmetric: zero point 0). */
  activationArgs?: QuantArgsInput;
}

/** The observer's final qparams as numbers; the observer is reset for the next block. */
function takeQParams(observer: Observer): ActivationQParams {
  const result = scalarQParams(observer.compute());
  observer.reset();
  return result;
}

function requireCalibration(context: ModifierContext): void {
  if (context.inputs.length === 0) {
    throw new LowbitError(
      'NOT_READY',
      'w8a8Static calibrates activation ranges; pass calibration batches to runRecipe (options.calibration).',
    );
  }
}

/**
 * Static W8A8 as a pipeline modifier: per block, once earlier modifiers (e.g. smoothquant) have
 * put the weights in place, an observer calibrates per-tensor qparams for every linear's input on
 * the block's calibration inputs, then the linear weights become int8 per output channel. The
 * report lists each target's `activationScale` / `activationZeroPoint` (for ONNX QDQ export);
 * `plan()` feeds withActivationQuantization.
 */
export function w8a8Static(options: W8A8StaticOptions = {}): ActivationQuantizer {
  const { observer: observerName = 'minmax', observerOptions = {} } = options;
  const args = staticActivationArgs(options.activationArgs, 'w8a8Static');
  const newObserver = () => createObserver(observerName, { ...observerOptions, args });
  newObserver().reset(); // validates the name and options now
  const qparams: Record<string, ActivationQParams> = {};
  const reports: TargetReport[] = [];
  let plan: ActivationQuantPlan | undefined;
  let started = 0;
  return {
    name: 'w8a8-static',
    needsCalibration: true,
    initialize: () => {
      for (const name of Object.keys(qparams)) delete qparams[name];
      reports.length = 0;
      plan = undefined;
      started = performance.now();
    },
    applyBlock: (block: Block, context: ModifierContext) => {
      requireCalibration(context);
      const linears = linearTargets(block);
      const observers = new Map(linears.map((t) => [t.name, newObserver()]));
      calibrateInputs(block, context.inputs, observers);
      for (const target of linears) {
        const activation = takeQParams(observers.get(target.name)!);
        qparams[target.name] = activation;
        reports.push({
          ...quantizeTargetInt8(target),
          activationScale: activation.scale,
          activationZeroPoint: activation.zeroPoint,
        });
      }
    },
    finalize: (): ModifierReport => {
      plan = { mode: 'static', args, qparams: { ...qparams } };
      return {
        modifier: 'w8a8-static',
        config: { observer: observerName, observerOptions, activationArgs: args, weightArgs: WEIGHT_ARGS },
        targets: reports.slice(),
        seconds: (performance.now() - started) / 1000,
      };
    },
    plan: () => {
      if (!plan) {
        throw new LowbitError(
          'NOT_READY',
          'w8a8Static has no activation plan yet; run it with runRecipe (with calibration) first.',
        );
      }
      return plan;
    },
  };
}
