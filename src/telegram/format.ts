import type { LocalizedText } from '../db/schema/index.js';
import type { Locale } from '../domain/customers/service.js';
import { escapeHtml, type TFunction } from '../i18n.js';
import { formatCny } from '../shared/money.js';
import { cleanName } from '../shared/text.js';
import { dayStartFromKey } from '../shared/time.js';

/**
 * A name a customer gave (Telegram name, contact name, recipient) as agents and staff see it:
 * without direction overrides or zero-width characters (src/shared/text.ts), HTML-escaped. Names
 * are cleaned when they arrive too; this covers rows stored before.
 */
export const shownName = (value: string | null | undefined): string => escapeHtml(cleanName(value ?? ''));

/** Everything a screen builder needs to render values in the customer's language and time zone. */
export interface Fmt {
  locale: Locale;
  t: TFunction;
  timeZone: string;
  /** ¥263,500 */
  money(fen: number): string;
  /** The customer's language's text, HTML-escaped (for message text; use `{{- x}}` in locales). */
  text(value: LocalizedText): string;
  /** The same, unescaped: for button labels, which Telegram shows as plain text. */
  plain(value: LocalizedText): string;
  /** 11月28日周六 / Sat 28 Nov */
  day(dateKey: string): string;
  /** 10:00–12:00 */
  timeRange(start: Date, end: Date): string;
  /** 2026年11月28日周六 10:00–12:00 / Sat 28 Nov 2026 10:00–12:00 */
  slot(start: Date, end: Date): string;
}

export function createFmt(locale: Locale, t: TFunction, timeZone: string): Fmt {
  // British conventions for English dates (Sat 28 Nov), matching the texts' spelling.
  const dateLocale = locale === 'en' ? 'en-GB' : locale;
  const dayFmt = new Intl.DateTimeFormat(dateLocale, { timeZone, month: 'short', day: 'numeric', weekday: 'short' });
  const longDayFmt = new Intl.DateTimeFormat(dateLocale, { timeZone, year: 'numeric', month: 'short', day: 'numeric', weekday: 'short' });
  const timeFmt = new Intl.DateTimeFormat(dateLocale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return {
    locale,
    t,
    timeZone,
    money: (fen) => formatCny(fen, locale),
    text: (value) => escapeHtml(value[locale] ?? value.en),
    plain: (value) => value[locale] ?? value.en,
    day: (key) => dayFmt.format(dayStartFromKey(key, timeZone)),
    timeRange: (start, end) => `${timeFmt.format(start)}–${timeFmt.format(end)}`,
    slot: (start, end) => `${longDayFmt.format(start)} ${timeFmt.format(start)}–${timeFmt.format(end)}`,
  };
}

const fmtCache = new Map<string, Fmt>();

/** The Fmt of the update's language; built once per language and zone (Intl formatters are costly). */
export const fmtOf = (ctx: { locale: Locale; t: TFunction; deps: { config: { timeZone: string } } }): Fmt => {
  const key = `${ctx.locale}|${ctx.deps.config.timeZone}`;
  let f = fmtCache.get(key);
  if (!f || f.t !== ctx.t) {
    f = createFmt(ctx.locale, ctx.t, ctx.deps.config.timeZone);
    fmtCache.set(key, f);
  }
  return f;
};
