import { AppError } from '../../shared/errors.js';

export type StockErrorCode = 'unknown_variant' | 'unknown_product' | 'unknown_model' | 'bad_quantity' | 'below_held' | 'bad_price' | 'stock_changed' | 'already_imported';

/** A catalog change refused; the code maps to `catalogOps.errors.<code>` (details: what the message needs). */
export class StockError extends AppError<StockErrorCode> {}

/** Most units one restock or delivery line adds, and the most a variant's stock is set to. */
export const MAX_UNITS = 100_000;
/** Highest price ops may set for one unit (¥64,441: more than Telegram takes in one CNY payment anyway). */
export const MAX_PRICE_FEN = 6_444_100;

/** A whole number of units, 0 … MAX_UNITS ("12", not "12.5" or "1e3"); null when it is not one. */
export function parseUnits(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,6}$/.test(t)) return null;
  const n = Number(t);
  return n <= MAX_UNITS ? n : null;
}

/** A price typed in yuan ("129", "129.5", "¥1,299.00") in fen; null when it is not a price ops may set. */
export function parseYuan(text: string): number | null {
  const t = text
    .trim()
    .replace(/^[¥￥]/, '')
    .replace(/,/g, '');
  if (!/^\d{1,6}(?:\.\d{1,2})?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return fen > 0 && fen <= MAX_PRICE_FEN ? fen : null;
}
