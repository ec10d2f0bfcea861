import { type GenerateResult, generate } from '@lowbit/models';
import { loadModel } from '../load-model';
import { type CliIo, processIo, Session } from '../session';
import { llamaOf, tokenizerFor, tokenizerPath } from '../tokenizer';

export interface GenerateCommandOptions {
  /** Default: the tokenizer stored in a lowbit directory. */
  tokenizer?: string;
  prompt?: string;
  steps: number;
  /** 0 is greedy decoding. */
  temperature: number;
  seed: number;
}

/** `lowbit generate`: continues a prompt with a llama model (or its lowbit directory) and prints the text. */
export async function generateCommand(
  modelPath: string,
  options: GenerateCommandOptions,
  io: CliIo = processIo(),
): Promise<GenerateResult> {
  const session = await Session.start(io);
  try {
    const loaded = await loadModel(modelPath);
    const model = llamaOf(loaded, 'generate');
    const tokenizer = tokenizerFor(loaded, tokenizerPath(loaded, options.tokenizer), 'generate');
    const started = performance.now();
    const result = generate(model, tokenizer, options);
    const seconds = (performance.now() - started) / 1000;
    session.print(result.text);
    session.note(`${result.tokens.length} tokens in ${seconds.toFixed(2)} s`);
    return result;
  } finally {
    session.finish();
  }
}
