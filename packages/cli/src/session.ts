import { type BackendInfo, initBackend, type ProgressEvent } from '@lowbit/core-tensor';
import { type ProgressDisplay, progressDisplay } from './progress';
import { PeakRss } from './rss';

/** Where a command writes: results to stdout, progress and notes to stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });

/** One command's run: the tfjs backend, progress display, timing and peak memory. */
export class Session {
  private readonly started = performance.now();
  private readonly rss = new PeakRss();
  private readonly progress: ProgressDisplay;
  private result: { seconds: number; peakRssBytes: number } | undefined;

  private constructor(
    readonly io: CliIo,
    readonly backend: BackendInfo,
  ) {
    this.progress = progressDisplay(io.stderr);
  }

  /** Starts the tfjs backend and the dense engine (LOWBIT_BACKEND, LOWBIT_ENGINE, LOWBIT_THREADS override) and says which. */
  static async start(io: CliIo): Promise<Session> {
    const session = new Session(io, await initBackend());
    const { name, reason, engine } = session.backend;
    session.note(`backend: ${name} (${reason})`);
    session.note(
      `engine: ${engine.name} on ${engine.device}, ${engine.threads} thread(s) (${engine.reason})`,
    );
    return session;
  }

  readonly onProgress = (event: ProgressEvent): void => {
    this.rss.sample();
    this.progress.onProgress(event);
  };

  /** Writes a result (e.g. a table) to stdout. */
  print(text: string): void {
    this.progress.stop();
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes a note to stderr. */
  note(text: string): void {
    this.progress.stop();
    this.io.stderr.write(`${text}\n`);
  }

  /** Ends the progress display and the RSS sampling (once); returns the elapsed seconds and the peak RSS. */
  finish(): { seconds: number; peakRssBytes: number } {
    this.progress.stop();
    this.result ??= { seconds: (performance.now() - this.started) / 1000, peakRssBytes: this.rss.stop() };
    return this.result;
  }
}
