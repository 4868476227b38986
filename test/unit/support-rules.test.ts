/** The support handoff's pure rules: which free text asks for a person, and business hours. */
import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening } from '../../src/domain/support/hours.js';
import { isPersonRequest } from '../../src/domain/support/keywords.js';
import { createFmt } from '../../src/bot/format.js';
import { backAt, hoursText } from '../../src/bot/keyboards/support.js';
import { createI18n } from '../../src/i18n.js';

describe('isPersonRequest', () => {
  it.each(['人工', '客服', '人工客服', '转人工', '我要人工', '请转人工！', 'human', 'Agent', 'an agent', 'operator', 'a real person', 'Talk to a person', 'please talk to a human', 'customer service', 'support?', '  HUMAN!  '])(
    '%j asks for a person',
    (text) => expect(isPersonRequest(text)).toBe(true),
  );

  it.each(['my agent said the car is ready', 'Agent Smith', '人工智能', '客服电话是多少', 'hello', '', '   ', 'humans are great', 'supporting wall', '/support'])(
    '%j does not',
    (text) => expect(isPersonRequest(text)).toBe(false),
  );
});

describe('business hours (Asia/Shanghai)', () => {
  const TZ = 'Asia/Shanghai';
  const day = { start: 9 * 60, end: 21 * 60 };
  const at = (iso: string) => new Date(iso);

  it('is open from the start minute to before the end minute, local time', () => {
    expect(isOpen(day, at('2026-11-28T00:59:00Z'), TZ)).toBe(false); // 08:59
    expect(isOpen(day, at('2026-11-28T01:00:00Z'), TZ)).toBe(true); // 09:00
    expect(isOpen(day, at('2026-11-28T12:59:00Z'), TZ)).toBe(true); // 20:59
    expect(isOpen(day, at('2026-11-28T13:00:00Z'), TZ)).toBe(false); // 21:00
  });

  it('handles overnight windows and round-the-clock', () => {
    const night = { start: 22 * 60, end: 6 * 60 };
    expect(isOpen(night, at('2026-11-28T15:00:00Z'), TZ)).toBe(true); // 23:00
    expect(isOpen(night, at('2026-11-28T21:00:00Z'), TZ)).toBe(true); // 05:00
    expect(isOpen(night, at('2026-11-28T04:00:00Z'), TZ)).toBe(false); // 12:00
    expect(isOpen({ start: 0, end: 1440 }, at('2026-11-28T16:00:00Z'), TZ)).toBe(true);
  });

  it('next opening: now when open, else the next local start (today or tomorrow)', () => {
    const open = at('2026-11-28T03:00:00Z');
    expect(nextOpening(day, open, TZ)).toEqual(open);
    expect(nextOpening(day, at('2026-11-27T19:00:00Z'), TZ)).toEqual(at('2026-11-28T01:00:00Z')); // 03:00 → 09:00 same day
    expect(nextOpening(day, at('2026-11-28T14:30:00Z'), TZ)).toEqual(at('2026-11-29T01:00:00Z')); // 22:30 → 09:00 next day
  });
});

describe('when agents are back, in the customer’s words', () => {
  const TZ = 'Asia/Shanghai';
  const i18n = createI18n('zh-CN');
  const en = createFmt('en', i18n.t('en'), TZ);
  const zh = createFmt('zh-CN', i18n.t('zh-CN'), TZ);
  const hours = { start: 9 * 60, end: 21 * 60 };
  const back = (f: typeof en, now: Date) => backAt(f, nextOpening(hours, now, TZ), now, hours.start);

  it('says today, tomorrow, or the day, and the hours', () => {
    // 03:00 Saturday in Shanghai: back today.
    expect(back(en, new Date('2026-11-27T19:00:00Z'))).toBe('today at 09:00');
    expect(back(zh, new Date('2026-11-27T19:00:00Z'))).toBe('今天 09:00 ');
    // 22:30 Friday: back tomorrow.
    expect(back(en, new Date('2026-11-27T14:30:00Z'))).toBe('tomorrow at 09:00');
    // Further ahead: the day is named.
    expect(backAt(en, new Date('2026-11-30T01:00:00Z'), new Date('2026-11-27T14:30:00Z'), 9 * 60)).toBe('Mon 30 Nov at 09:00');
    expect(hoursText(hours)).toBe('09:00–21:00');
    expect(hoursText({ start: 22 * 60 + 30, end: 24 * 60 })).toBe('22:30–00:00');
  });
});
