import { type Inspection, inspectPath } from '../inspect/index';
import { type CliIo, processIo, Session } from '../session';

/** `lowbit inspect`: prints what a file or directory holds as tables. */
export async function inspectCommand(path: string, io: CliIo = processIo()): Promise<Inspection> {
  const session = await Session.start(io);
  try {
    const inspection = inspectPath(path);
    session.print(`${path}: ${inspection.kind}`);
    for (const section of inspection.sections) session.print(`${section.title}\n${section.table}`);
    return inspection;
  } finally {
    session.finish();
  }
}
