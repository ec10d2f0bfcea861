import type { ProgressCallback, ProgressEvent } from '@lowbit/core-tensor';
import { Presets, SingleBar } from 'cli-progress';

/** Turns onProgress events into a bar per stage (on a terminal) or concise lines (otherwise). */
export interface ProgressDisplay {
  readonly onProgress: ProgressCallback;
  /** Ends the current bar; call before printing anything else. */
  stop(): void;
}

/** Seconds between two lines of the same stage when stderr is not a terminal. */
const LINE_INTERVAL_S = 5;

function barDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  let bar: SingleBar | undefined;
  let stage: string | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
    stage = undefined;
  };
  return {
    onProgress: (e: ProgressEvent) => {
      const payload = { stage: e.stage, note: e.note ?? '' };
      if (e.stage !== stage) {
        stop();
        stage = e.stage;
        bar = new SingleBar(
          {
            stream,
            format: '{stage} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {note}',
            etaBuffer: 20,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(e.total, e.done, payload);
      } else {
        bar?.setTotal(e.total);
        bar?.update(e.done, payload);
      }
    },
    stop,
  };
}

function lineDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  let stage: string | undefined;
  let started = 0;
  let lastLine = 0;
  return {
    onProgress: (e: ProgressEvent) => {
      const now = performance.now();
      if (e.stage !== stage) {
        stage = e.stage;
        started = now;
        lastLine = -Infinity;
      }
      if (e.done < e.total && now - lastLine < LINE_INTERVAL_S * 1000) return;
      lastLine = now;
      const seconds = ((now - started) / 1000).toFixed(1);
      stream.write(`${e.stage} ${e.done}/${e.total}${e.note ? ` ${e.note}` : ''} (${seconds} s)\n`);
    },
    stop: () => {
      stage = undefined;
    },
  };
}

/** A progress bar with ETA on a terminal `stream`, concise lines otherwise. */
export function progressDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  return stream.isTTY ? barDisplay(stream) : lineDisplay(stream);
}
