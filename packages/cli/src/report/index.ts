export { buildReport } from './build-report';
export { type LowbitReport, REPORT_SCHEMA_VERSION, type ReportTarget, validateReport } from './schema';
export { summaryTable, targetsTable } from './tables';
export { reportTarget, writeReport } from './write-report';
