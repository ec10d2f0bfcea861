import { describe, expect, it } from 'vitest';
import { progressDisplay } from './progress';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progressDisplay off a terminal', () => {
  it('prints the first and last event of each stage as concise lines, not every step', () => {
    const { stream, written } = fakeStream(false);
    const display = progressDisplay(stream);
    for (let done = 1; done <= 40; done++) display.onProgress({ stage: 'perplexity', done, total: 40 });
    display.onProgress({ stage: 'blocks', done: 1, total: 2, note: 'layers.0' });
    display.onProgress({ stage: 'blocks', done: 2, total: 2, note: 'layers.1' });
    display.stop();
    expect(written.map((line) => line.replace(/\(\d+\.\d s\)/, '(t)'))).toEqual([
      'perplexity 1/40 (t)\n',
      'perplexity 40/40 (t)\n',
      'blocks 1/2 layers.0 (t)\n',
      'blocks 2/2 layers.1 (t)\n',
    ]);
  });
});
