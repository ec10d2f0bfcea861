import { isLowbitError } from '@lowbit/core-tensor';
import { CommanderError } from 'commander';
import { createProgram } from './program';
import { type CliIo, processIo } from './session';

/** Exit codes: 0 success, 2 bad input (a LowbitError or a usage error), 1 anything else. */
function exitCode(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed it
  if (isLowbitError(error)) {
    io.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

/** Runs `lowbit` with the given arguments (without node and script) and returns the exit code. */
export async function runCli(
  args: readonly string[] = process.argv.slice(2),
  io: CliIo = processIo(),
): Promise<number> {
  try {
    await createProgram(io).parseAsync(args.slice(), { from: 'user' });
    return 0;
  } catch (error) {
    return exitCode(error, io);
  }
}
