/** Money is an integer number of fen (1/100 yuan) in CNY everywhere in the code. */

const formatters = new Map<string, Intl.NumberFormat>();

/** ¥263,500 or ¥1,234.50, in the conventions of `locale` (narrow ¥ sign in both languages). */
export function formatCny(fen: number, locale: string): string {
  const whole = fen % 100 === 0;
  const key = `${locale}|${whole}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: 'CNY',
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2,
    });
    formatters.set(key, f);
  }
  return f.format(fen / 100);
}

/** Telegram's single-payment bounds for CNY (currencies.json), in fen. */
export const CNY_MIN_FEN = 644;
export const CNY_MAX_FEN = 6_444_100;
