/** Reading CSV files people make in a spreadsheet (the ops CLI's imports, a delivery of stock sent to the bot). */

export interface CsvRow {
  line: number;
  cells: string[];
}

/** Splits one CSV line: commas, and double-quoted fields with "" for a quote (RFC 4180, one line). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** Non-blank lines with their line numbers (a spreadsheet's BOM and CRLF endings are fine). */
export function csvRows(text: string): CsvRow[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, raw }))
    .filter((r) => r.raw.trim() !== '')
    .map((r) => ({ line: r.line, cells: splitCsvLine(r.raw) }));
}
