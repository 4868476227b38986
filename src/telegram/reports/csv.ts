/** One CSV field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function field(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A CSV document (RFC 4180, CRLF) with a UTF-8 byte-order mark, so Excel opens the Chinese
 * headers as text rather than mojibake.
 */
export function toCsv(header: string[], rows: Array<Array<string | number | null>>): Buffer {
  const lines = [header, ...rows].map((r) => r.map(field).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** Fen as yuan with two decimals, for CSV (no currency sign, no grouping: spreadsheets read it as a number). */
export const yuan = (fen: number): string => (fen / 100).toFixed(2);
