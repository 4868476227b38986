import { describe, expect, it } from 'vitest';
import { createFmt } from '../../src/telegram/format.js';
import { createI18n } from '../../src/i18n.js';
import { CNY_MAX_FEN, CNY_MIN_FEN, formatCny } from '../../src/shared/money.js';
import { addDays, dayStartFromKey, localDateKey, zonedDayStart, zoneOffsetMs } from '../../src/shared/time.js';

const SH = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso);

describe('formatCny', () => {
  it.each(['zh-CN', 'en'])('%s: whole yuan without decimals, thousands grouped', (locale) => {
    expect(formatCny(26_350_000, locale)).toBe('¥263,500');
    expect(formatCny(33_250_000, locale)).toBe('¥332,500');
    expect(formatCny(100_000, locale)).toBe('¥1,000');
    expect(formatCny(81_490_000, locale)).toBe('¥814,900');
    expect(formatCny(100, locale)).toBe('¥1');
    expect(formatCny(0, locale)).toBe('¥0');
  });

  it.each(['zh-CN', 'en'])('%s: a fen remainder shows two decimals', (locale) => {
    expect(formatCny(123_450, locale)).toBe('¥1,234.50');
    expect(formatCny(123_405, locale)).toBe('¥1,234.05');
    expect(formatCny(644, locale)).toBe('¥6.44');
    expect(formatCny(1, locale)).toBe('¥0.01');
    expect(formatCny(199, locale)).toBe('¥1.99');
  });

  it('switching between whole and fractional amounts does not leak formatting (cached formatters)', () => {
    expect(formatCny(150, 'en')).toBe('¥1.50');
    expect(formatCny(200, 'en')).toBe('¥2');
    expect(formatCny(250, 'en')).toBe('¥2.50');
  });

  it("Telegram's CNY payment bounds are ¥6.44 and ¥64,441", () => {
    expect(formatCny(CNY_MIN_FEN, 'en')).toBe('¥6.44');
    expect(formatCny(CNY_MAX_FEN, 'en')).toBe('¥64,441');
  });
});

describe('time helpers in Asia/Shanghai', () => {
  it('the offset is +8 h all year (no DST)', () => {
    expect(zoneOffsetMs(at('2026-01-15T12:00:00Z'), SH)).toBe(8 * 3_600_000);
    expect(zoneOffsetMs(at('2026-07-15T12:00:00Z'), SH)).toBe(8 * 3_600_000);
    expect(zoneOffsetMs(at('2026-07-15T12:00:00Z'), 'UTC')).toBe(0);
  });

  it('2026-11-27T16:30Z is already 28 November in Shanghai', () => {
    const instant = at('2026-11-27T16:30:00Z');
    expect(localDateKey(instant, SH)).toBe('2026-11-28');
    expect(localDateKey(instant, 'UTC')).toBe('2026-11-27');
    expect(zonedDayStart(instant, SH).toISOString()).toBe('2026-11-27T16:00:00.000Z');
  });

  it('15:59:59Z is still the previous local day, 16:00Z starts the next', () => {
    expect(localDateKey(at('2026-11-27T15:59:59Z'), SH)).toBe('2026-11-27');
    expect(zonedDayStart(at('2026-11-27T15:59:59Z'), SH).toISOString()).toBe('2026-11-26T16:00:00.000Z');
    expect(localDateKey(at('2026-11-27T16:00:00Z'), SH)).toBe('2026-11-28');
    expect(zonedDayStart(at('2026-11-27T16:00:00Z'), SH).toISOString()).toBe('2026-11-27T16:00:00.000Z');
  });

  it('around UTC midnight the local day is the UTC day (08:00 local)', () => {
    expect(localDateKey(at('2026-11-27T23:59:59Z'), SH)).toBe('2026-11-28');
    expect(localDateKey(at('2026-11-28T00:00:00Z'), SH)).toBe('2026-11-28');
    expect(zonedDayStart(at('2026-11-28T00:00:00Z'), SH).toISOString()).toBe('2026-11-27T16:00:00.000Z');
  });

  it('crosses month and year ends', () => {
    expect(localDateKey(at('2026-12-31T16:00:00Z'), SH)).toBe('2027-01-01');
    expect(zonedDayStart(at('2026-12-31T20:00:00Z'), SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(localDateKey(at('2028-02-28T16:00:00Z'), SH)).toBe('2028-02-29');
  });

  it('dayStartFromKey is local midnight and inverts localDateKey', () => {
    expect(dayStartFromKey('2026-11-28', SH).toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(dayStartFromKey('2027-01-01', SH).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(dayStartFromKey('2026-11-28', 'UTC').toISOString()).toBe('2026-11-28T00:00:00.000Z');
    for (const key of ['2026-01-01', '2026-02-28', '2026-11-28', '2026-12-31', '2028-02-29']) {
      expect(localDateKey(dayStartFromKey(key, SH), SH)).toBe(key);
    }
  });

  it('addDays moves by local days and lands on local midnight', () => {
    const start = zonedDayStart(at('2026-11-27T16:30:00Z'), SH);
    expect(addDays(start, 1, SH).toISOString()).toBe('2026-11-28T16:00:00.000Z');
    expect(addDays(start, 3, SH).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(localDateKey(addDays(start, 4, SH), SH)).toBe('2026-12-02');
    expect(addDays(start, 0, SH).toISOString()).toBe(start.toISOString());
    expect(addDays(start, -1, SH).toISOString()).toBe('2026-11-26T16:00:00.000Z');
    expect(localDateKey(addDays(dayStartFromKey('2026-12-31', SH), 1, SH), SH)).toBe('2027-01-01');
  });

  it('addDays keeps local midnight across a DST change elsewhere (Europe/Berlin, 29 March 2026)', () => {
    const tz = 'Europe/Berlin';
    const before = dayStartFromKey('2026-03-28', tz);
    expect(before.toISOString()).toBe('2026-03-27T23:00:00.000Z');
    const after = addDays(before, 2, tz);
    expect(after.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(localDateKey(after, tz)).toBe('2026-03-30');
  });
});

describe('createFmt', () => {
  const i18n = createI18n('zh-CN');
  const zh = createFmt('zh-CN', i18n.t('zh-CN'), SH);
  const en = createFmt('en', i18n.t('en'), SH);

  it('keeps locale, t and time zone', () => {
    expect(zh.locale).toBe('zh-CN');
    expect(en.timeZone).toBe(SH);
    expect(en.t('nav.menu')).not.toBe(zh.t('nav.menu'));
  });

  it('money follows formatCny', () => {
    expect(zh.money(26_350_000)).toBe('¥263,500');
    expect(en.money(123_450)).toBe('¥1,234.50');
  });

  it('day labels name the local day, weekday included', () => {
    // 28 November 2026 is a Saturday.
    expect(zh.day('2026-11-28')).toMatch(/^11月28日\s*周六$/);
    expect(en.day('2026-11-28')).toMatch(/^Sat,? (Nov 28|28 Nov)$/);
    expect(en.day('2027-01-01')).toMatch(/^Fri,? (Jan 1|1 Jan)$/);
  });

  it('timeRange shows Shanghai wall-clock time, 24-hour, with an en dash', () => {
    const start = at('2026-11-28T02:00:00Z');
    const end = at('2026-11-28T04:00:00Z');
    expect(zh.timeRange(start, end)).toBe('10:00–12:00');
    expect(en.timeRange(start, end)).toBe('10:00–12:00');
    expect(en.timeRange(at('2026-11-28T06:00:00Z'), at('2026-11-28T09:00:00Z'))).toBe('14:00–17:00');
    // Just after local midnight: 00:30, not 24:30 or 12:30 AM.
    expect(en.timeRange(at('2026-11-27T16:30:00Z'), at('2026-11-27T18:00:00Z'))).toBe('00:30–02:00');
  });

  it('slot shows the local date of the start, then the time range', () => {
    const s = en.slot(at('2026-11-27T16:30:00Z'), at('2026-11-27T18:00:00Z'));
    expect(s).toMatch(/28/);
    expect(s).toMatch(/2026/);
    expect(s).toMatch(/Sat/);
    expect(s.endsWith('00:30–02:00')).toBe(true);
    const z = zh.slot(at('2026-11-28T02:00:00Z'), at('2026-11-28T04:00:00Z'));
    expect(z).toMatch(/^2026年11月28日\s*周六 10:00–12:00$/);
  });

  it('text() picks the language and escapes HTML; plain() does not escape', () => {
    const value = { 'zh-CN': '黑白<高级>内饰 & "款"', en: 'Black & white <premium> "interior"' };
    expect(zh.text(value)).toBe('黑白&lt;高级&gt;内饰 &amp; &quot;款&quot;');
    expect(en.text(value)).toBe('Black &amp; white &lt;premium&gt; &quot;interior&quot;');
    expect(zh.plain(value)).toBe('黑白<高级>内饰 & "款"');
    expect(en.plain(value)).toBe('Black & white <premium> "interior"');
  });

  it('text() escapes exactly once: a literal &amp; in catalog data is shown as typed', () => {
    expect(en.text({ 'zh-CN': 'x', en: '&amp;' })).toBe('&amp;amp;');
  });
});
