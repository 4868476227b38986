import { plainText } from '../telegram/screens/ops.js';
import type { Fmt } from '../telegram/format.js';
import type { Services } from '../deps.js';
import { normalizeVin } from '../domain/fulfilment/vin.js';
import { explainOpsError } from '../telegram/screens/ops-errors.js';
import { findOrder } from '../domain/fulfilment/order-view.js';
import { csvRows, type CsvRow } from '../shared/csv.js';

/** One data line of a VIN import and what became of it. */
export interface ImportResult {
  /** 1-based line number in the file, as an editor shows it. */
  line: number;
  order: string;
  vin: string;
  ok: boolean;
  status: 'allocated' | 'unchanged' | 'error';
  /** The order number, once the order was found. */
  number?: string;
  error?: { code: string; message: string };
}

/** Column positions from the header line (order and vin, in any order, other columns ignored). */
export function vinColumns(header: CsvRow | undefined): { order: number; vin: number } | null {
  const names = header?.cells.map((c) => c.toLowerCase()) ?? [];
  const order = names.indexOf('order');
  const vin = names.indexOf('vin');
  return order >= 0 && vin >= 0 ? { order, vin } : null;
}

/**
 * Allocates a VIN per line, one line at a time, going on after a failed line. Re-running the same
 * file is harmless: an order that already has that VIN counts as done ("unchanged"). Returns null
 * when the header is not `order,vin`.
 */
export async function importVins(services: Services, f: Fmt, text: string, actor: string): Promise<ImportResult[] | null> {
  const [header, ...rows] = csvRows(text);
  const columns = vinColumns(header);
  if (!columns) return null;
  const results: ImportResult[] = [];
  for (const row of rows) {
    const ref = row.cells[columns.order] ?? '';
    const vinInput = row.cells[columns.vin] ?? '';
    const base = { line: row.line, order: ref, vin: normalizeVin(vinInput) ?? vinInput };
    const fail = (code: string, message: string, number?: string): ImportResult => ({ ...base, ok: false, status: 'error', number, error: { code, message } });
    if (!ref || !vinInput) {
      results.push(fail('bad_line', f.t('ops.cli.import_bad_line')));
      continue;
    }
    const order = await findOrder(services, ref);
    if (!order) {
      results.push(fail('order_not_found', plainText(f.t('ops.errors.order_not_found', { ref }))));
      continue;
    }
    if (order.vin !== null && order.vin === normalizeVin(vinInput) && order.state !== 'deposit_paid') {
      results.push({ ...base, ok: true, status: 'unchanged', number: order.number });
      continue;
    }
    try {
      await services.fulfilment.allocate(order.id, vinInput, actor);
      results.push({ ...base, ok: true, status: 'allocated', number: order.number });
    } catch (err) {
      const explained = await explainOpsError(services, f, err, { orderId: order.id, vin: vinInput });
      const code = (err as { code?: unknown }).code;
      const message = explained !== null ? plainText(explained) : err instanceof Error ? err.message : String(err);
      // Anything else (a dropped connection) fails this line too; the report says which lines to redo.
      results.push(fail(typeof code === 'string' ? code : 'failed', message, order.number));
    }
  }
  return results;
}
