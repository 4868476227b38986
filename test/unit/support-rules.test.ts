/** The support handoff's pure rules: which free text asks for a person, and business hours. */
import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening } from '../../src/domain/support/hours.js';
import { isPersonRequest } from '../../src/domain/support/keywords.js';
import { createFmt } from '../../src/telegram/format.js';
import { backAt, CARD_BODY_LIMIT, cardScreen, cardStatus, contentLabel, hoursText, profileCard, stepLabel, transcriptLine } from '../../src/telegram/screens/support.js';
import { createI18n } from '../../src/i18n.js';

describe('isPersonRequest', () => {
  it.each([
    '人工',
    '客服',
    '人工客服',
    '转人工',
    '我要人工',
    '请转人工！',
    'human',
    'Agent',
    'an agent',
    'operator',
    'a real person',
    'Talk to a person',
    'please talk to a human',
    'customer service',
    'support?',
    '  HUMAN!  ',
  ])('%j asks for a person', (text) => expect(isPersonRequest(text)).toBe(true));

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

describe('the profile card, in the group’s language', () => {
  const i18n = createI18n('zh-CN');
  const en = createFmt('en', i18n.t('en'), 'Asia/Shanghai');
  const zh = createFmt('zh-CN', i18n.t('zh-CN'), 'Asia/Shanghai');
  const message = (contentType: string, text: string | null) =>
    ({ id: 1, conversationId: 1, customerId: 1, direction: 'in', senderTelegramId: 1, contentType, text, fileId: null, createdAt: new Date('2026-11-27T15:19:00Z') }) as const;

  it('names the step; a step without a label shows its id as code (escaped)', () => {
    expect(stepLabel(zh, 'config.trim')).toBe('选配：选择版本');
    expect(stepLabel(en, 'booking.slot')).toBe('Booking: time');
    expect(stepLabel(en, 'ops.list')).toBe('<code>ops.list</code>');
    expect(stepLabel(en, 'a<b>')).toBe('<code>a&lt;b&gt;</code>');
  });

  it('transcript lines: Shanghai time, media kinds in words, text escaped', () => {
    expect(transcriptLine(en, message('photo', 'the scratch'))).toBe('👤 11-27 23:19 [photo] the scratch');
    expect(transcriptLine(zh, message('voice', null))).toBe('👤 11-27 23:19 [语音]');
    expect(transcriptLine(en, message('text', '<b>hi</b>'))).toBe('👤 11-27 23:19 &lt;b&gt;hi&lt;/b&gt;');
    expect(contentLabel(en, 'hologram')).toBe('[hologram]');
  });

  it('status line: waiting, held, closed by an agent / the customer / a block, with the rating', () => {
    const base = { id: 7, rating: null, assignee: null, closedBy: null };
    expect(cardStatus(en, { ...base, status: 'queued' })).toBe(en.t('support.group.status_queued'));
    expect(cardStatus(en, { ...base, status: 'assigned', assignee: '<a>Lena</a>' })).toBe('✋ Handled by <a>Lena</a>');
    expect(cardStatus(en, { ...base, status: 'closed', closedBy: '<a>Bo</a>', rating: 4 })).toBe('✅ Closed by <a>Bo</a> · ⭐ rated 4/5');
    expect(cardStatus(zh, { ...base, status: 'closed', closedBy: 'customer' })).toBe('✅ 客户已结束对话');
    expect(cardStatus(en, { ...base, status: 'closed', closedBy: 'blocked' })).toBe(en.t('support.group.status_closed_blocked'));
    expect(cardScreen(en, { ...base, status: 'closed', closedBy: 'customer' }, 'body').keyboard).toEqual([]);
    expect(
      cardScreen(en, { ...base, status: 'queued' }, 'body')
        .keyboard!.flat()
        .map((b) => b.text),
    ).toEqual([en.t('support.group.claim'), en.t('support.group.close')]);
  });
});

describe('a long profile card', () => {
  const i18n = createI18n('zh-CN');
  const zh = createFmt('zh-CN', i18n.t('zh-CN'), 'Asia/Shanghai');
  const customer = { id: 1, firstName: 'Wei', lastName: null, username: 'wei', language: 'en', phone: null } as never;
  const orders = Array.from({ length: 10 }, (_, i) => ({
    id: i + 1,
    number: `T2026${String(i).padStart(6, '0')}`,
    state: 'deposit_paid',
    snapshot: { modelName: 'Model Y' },
  })) as never[];
  const transcript = Array.from({ length: 20 }, (_, i) => ({
    id: i,
    conversationId: 1,
    customerId: 1,
    direction: 'in' as const,
    senderTelegramId: 1,
    contentType: 'text',
    // Escaping makes each of these lines four times longer: 20 of them cannot all fit.
    text: `${i}: ${'<'.repeat(200)}`,
    fileId: null,
    createdAt: new Date('2026-11-27T15:19:00Z'),
  }));

  it('drops the oldest transcript lines to fit, never cutting through a tag', () => {
    const body = profileCard(zh, { customer, step: 'menu', orders, bookings: [], transcript, afterHours: true });
    expect(body.length).toBeLessThanOrEqual(CARD_BODY_LIMIT);
    expect(body).toContain('19: &lt;&lt;');
    expect(body).not.toContain('\n👤 11-27 23:19 0: ');
    expect(body.match(/<code>/g)!.length).toBe(body.match(/<\/code>/g)!.length);
    expect(body).toContain(zh.t('support.group.after_hours'));
  });
});
