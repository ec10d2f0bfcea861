/** Rows of equal keys as an aligned Markdown table (text left, numbers right). */
export function markdownTable(records) {
  const headers = Object.keys(records[0]);
  const cells = [headers, ...records.map((r) => headers.map((h) => String(r[h])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

export function printTable(records) {
  console.log(markdownTable(records));
}
