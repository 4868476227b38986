import { csvRows } from '../../shared/csv.js';
import type { DeliveryLine, DeliveryResult, StockService } from './service.js';

/** The largest delivery file taken, in bytes (1 MB), from the CLI or sent to the bot. */
export const MAX_DELIVERY_BYTES = 1_048_576;
/** The most lines a delivery file may have after its header. */
export const MAX_DELIVERY_LINES = 5_000;

/** Why a whole file was refused before any line was checked. */
export type DeliveryRefusal = 'bad_header' | 'empty' | 'too_large' | 'too_many_lines' | 'not_text';

/**
 * A delivery file's lines (header `variant,qty` in any order, other columns ignored; a BOM, CRLF and
 * blank lines are fine), or why the file as a whole is refused. Lines are numbered as an editor shows
 * them; their contents are checked by StockService.importDelivery.
 */
export function readDeliveryCsv(text: string): { lines: DeliveryLine[] } | { refused: DeliveryRefusal } {
  if (Buffer.byteLength(text, 'utf8') > MAX_DELIVERY_BYTES) return { refused: 'too_large' };
  // A spreadsheet saved as .xlsx or a picture renamed .csv: not text (NUL bytes, or bytes that were not UTF-8).
  if (text.includes('\u0000') || text.includes('\uFFFD')) return { refused: 'not_text' };
  const [header, ...rows] = csvRows(text);
  const names = header?.cells.map((x) => x.toLowerCase()) ?? [];
  const [variantCol, qtyCol] = [names.indexOf('variant'), names.indexOf('qty')];
  if (variantCol < 0 || qtyCol < 0) return { refused: 'bad_header' };
  if (rows.length === 0) return { refused: 'empty' };
  if (rows.length > MAX_DELIVERY_LINES) return { refused: 'too_many_lines' };
  return { lines: rows.map((r) => ({ line: r.line, variantId: (r.cells[variantCol] ?? '').toLowerCase(), qty: r.cells[qtyCol] ?? '' })) };
}

/** What an import did: the file refused as a whole, or every line's result (applied: all of them, or none). */
export type DeliveryImport = { refused: DeliveryRefusal } | { refused?: undefined; applied: boolean; results: DeliveryResult[] };

/**
 * A delivery of stock from a CSV file's text: the one path of `npm run ops -- stock import` and of
 * the file sent to /stock. Nothing is applied unless every line is fine (StockService.importDelivery);
 * each restock is audited with `actor`, its note naming `source` and the line (`once`: see
 * StockService.importDelivery).
 */
export async function importDeliveryCsv(stock: StockService, text: string, actor: string, source: string, opts: { once?: boolean } = {}): Promise<DeliveryImport> {
  const read = readDeliveryCsv(text);
  if ('refused' in read) return read;
  return stock.importDelivery(read.lines, actor, source, opts);
}
