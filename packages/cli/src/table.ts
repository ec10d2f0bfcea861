import Table from 'cli-table3';

type Cell = string | number;

/** Borders around the table and under the header only, not between rows. */
const COMPACT = {
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  style: { head: [], border: [] },
};

/** A table with a header row. */
export function gridTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const table = new Table({ ...COMPACT, head: head.slice() });
  table.push(...rows.map((row) => row.map(String)));
  return table.toString();
}

/** A two-column table of labelled values; rows whose value is undefined are left out. */
export function keyValueTable(rows: readonly (readonly [string, Cell | undefined])[]): string {
  const table = new Table(COMPACT);
  for (const [key, value] of rows) if (value !== undefined) table.push({ [key]: String(value) });
  return table.toString();
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
