import { escapeHtml } from '../../i18n.js';
import { MAX_DELIVERY_BYTES, MAX_DELIVERY_LINES, StockError, type DeliveryRefusal, type DeliveryResult } from '../../domain/stock/index.js';
import { stockCb } from '../callback-data-stock.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button } from './common.js';
import { stockErrorText } from './catalog-ops.js';
import { plainText } from './ops.js';

/** A delivery of stock sent to /stock as a CSV file: the question, the refusals and the per-line report. */

/** The limits as people read them ("1 MB", "5,000"), for the question and the refusals. */
export const deliveryLimits = (f: Fmt) => ({
  maxSize: `${Math.round(MAX_DELIVERY_BYTES / 1_048_576)} MB`,
  maxLines: MAX_DELIVERY_LINES.toLocaleString(f.locale === 'en' ? 'en-US' : 'zh-CN'),
});

/** Room for a report in one message (Telegram takes 4,096 characters; a margin for the entities). */
const MESSAGE_ROOM = 3_800;

export function stockImportAskScreen(f: Fmt): Screen {
  return {
    text: f.t('catalogOps.import.ask', deliveryLimits(f)),
    keyboard: [[button(f.t('catalogOps.ask.cancel'), stockCb.home.pack({}))]],
    noSupport: true,
  };
}

/** Why a file sent at that step is not taken (not a .csv, too large, bad header…). */
export function stockImportRefusedText(f: Fmt, code: DeliveryRefusal | 'not_csv' | 'download_failed'): string {
  return f.t(`catalogOps.import.refused.${code}`, deliveryLimits(f));
}

function lineText(f: Fmt, r: DeliveryResult): string {
  const variant = escapeHtml(r.variantId.slice(0, 32));
  if (r.status === 'error') {
    return f.t('catalogOps.import.line_error', { line: r.line, variant, error: stockErrorText(f, new StockError(r.error!.code), r.variantId) });
  }
  return f.t('catalogOps.import.line_ok', { line: r.line, variant, qty: r.qty, before: r.before, after: r.after });
}

/**
 * The report of an import: applied, every line with its stock before and after; refused, every bad
 * line with its number and why (the fine lines only counted). `text` fits one message; when the lines
 * do not, `text` holds as many as fit and `full` all of them, in plain text, to be sent as a file.
 */
export function stockImportReport(f: Fmt, done: { applied: boolean; results: DeliveryResult[] }, fileName: string): { screen: Screen; full?: string } {
  const bad = done.results.filter((r) => r.status === 'error');
  const units = done.results.reduce((n, r) => n + (r.qty ?? 0), 0);
  const head = done.applied
    ? f.t('catalogOps.import.applied', { count: done.results.length, units, file: escapeHtml(fileName) })
    : f.t('catalogOps.import.refused_lines', { count: bad.length, total: done.results.length, file: escapeHtml(fileName) });
  const lines = (done.applied ? done.results : bad).map((r) => lineText(f, r));
  const shown: string[] = [];
  let length = head.length;
  for (const line of lines) {
    if (length + line.length + 1 > MESSAGE_ROOM) break;
    shown.push(line);
    length += line.length + 1;
  }
  const more = lines.length - shown.length;
  const text = [head, ...shown, ...(more ? [f.t('catalogOps.import.more', { count: more })] : [])].join('\n');
  const keyboard = [[button(f.t(done.applied ? 'catalogOps.product.back' : 'catalogOps.ask.cancel'), stockCb.home.pack({}))]];
  const full = more ? plainText([head, ...lines].join('\n')) : undefined;
  return { screen: { text, keyboard, noSupport: true }, ...(full ? { full } : {}) };
}
