import type { Session } from '../session';
import { VERSION } from '../version';
import { type LowbitReport, REPORT_SCHEMA_VERSION } from './schema';

type RunFields =
  | 'schema'
  | 'schemaVersion'
  | 'tool'
  | 'createdAt'
  | 'backend'
  | 'engine'
  | 'seconds'
  | 'peakRssBytes';

/** A report of a finished session: what the command measured, plus the tool, backend, engine, time and memory. */
export function buildReport(session: Session, fields: Omit<LowbitReport, RunFields>): LowbitReport {
  const { name, reason, engine } = session.backend;
  return {
    schema: 'lowbit-report',
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'lowbit', version: VERSION },
    createdAt: new Date().toISOString(),
    backend: { name, reason },
    engine: { name: engine.name, device: engine.device, threads: engine.threads, reason: engine.reason },
    ...fields,
    ...session.finish(),
  };
}
