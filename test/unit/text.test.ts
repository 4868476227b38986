/**
 * Text from Telegram made safe to store and show (src/shared/text.ts), the in-place cleaning of an
 * incoming update (src/bot/middlewares/sanitize.ts) and which updates the bot serves at all
 * (src/bot/middlewares/unserved.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { sanitizeInPlace } from '../../src/bot/middlewares/sanitize.js';
import { isServed } from '../../src/bot/middlewares/unserved.js';
import { cleanName, cutHtml, cutPlain, storableText } from '../../src/shared/text.js';

describe('storableText', () => {
  it('replaces NUL and lone surrogates, one unit for one, and keeps the rest', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('ok 😀 中文\n\t')).toBe('ok 😀 中文\n\t');
    expect(storableText('a\u0000\u0000').length).toBe(3);
  });
});

describe('cleanName', () => {
  it('drops direction overrides, isolates and zero-width characters', () => {
    expect(cleanName('\u202EWei\u202C')).toBe('Wei');
    expect(cleanName('Ad\u200Bmin\uFEFF')).toBe('Admin');
    expect(cleanName('\u2066Li\u2069 \u0000')).toBe('Li \uFFFD');
  });
});

describe('cutting to Telegram limits', () => {
  it('plain text: at most max units, ending in …, no split surrogate pair', () => {
    expect(cutPlain('short', 10)).toBe('short');
    const cut = cutPlain('a'.repeat(5000), 4096);
    expect(cut.length).toBe(4096);
    expect(cut.endsWith('…')).toBe(true);
    const emoji = cutPlain('😀'.repeat(10), 6);
    expect(emoji).toBe('😀😀…');
  });

  it('HTML: tags are free, entities count one, open tags are closed after the marker', () => {
    expect(cutHtml('<b>hi</b> &amp; you', 100)).toBe('<b>hi</b> &amp; you');
    const long = `<b>Title</b>\n<i>${'&lt;'.repeat(5000)}</i>`;
    const cut = cutHtml(long, 4096);
    expect(cut.startsWith('<b>Title</b>\n<i>&lt;')).toBe(true);
    expect(cut.endsWith('…</i>')).toBe(true);
    const visible = cut.replace(/<[^>]+>/g, '').replace(/&[a-z]+;/g, 'x');
    expect(visible.length).toBe(4096);
  });
});

describe('sanitizeInPlace', () => {
  it('cleans every string of an update in place, except callback data', () => {
    const update = {
      update_id: 1,
      callback_query: {
        id: '1',
        chat_instance: 'c',
        data: 'cfg:\u0000',
        from: { id: 5, is_bot: false, first_name: '\u202Eevil\u0000' },
        message: { message_id: 1, date: 0, chat: { id: 5, type: 'private', first_name: 'x\u200B' }, text: 'a\u0000' },
      },
    };
    sanitizeInPlace(update);
    expect(update.callback_query.data).toBe('cfg:\u0000');
    expect(update.callback_query.from.first_name).toBe('evil\uFFFD');
    expect(update.callback_query.message.chat.first_name).toBe('x');
    expect(update.callback_query.message.text).toBe('a\uFFFD');
  });

  it('reaches shipping addresses, order info and contacts', () => {
    const update = {
      update_id: 2,
      pre_checkout_query: { order_info: { name: 'A\u202E', shipping_address: { street_line1: 'Road\u0000 1', city: '\uDFFF' } } },
      message: { contact: { first_name: 'B\u200D', phone_number: '1\u0000' }, venue: { title: 'T\u0000' } },
    };
    sanitizeInPlace(update);
    expect(update.pre_checkout_query.order_info).toEqual({ name: 'A', shipping_address: { street_line1: 'Road\uFFFD 1', city: '\uFFFD' } });
    expect(update.message.contact).toEqual({ first_name: 'B', phone_number: '1\uFFFD' });
    expect(update.message.venue.title).toBe('T\uFFFD');
  });
});

describe('isServed', () => {
  const priv = { id: 5, type: 'private', first_name: 'x' };
  const u = (body: object) => ({ update_id: 1, ...body }) as unknown as Update;
  it('serves private messages, the support group, buttons, payments and private member changes', () => {
    expect(isServed(u({ message: { chat: priv } }), -100)).toBe(true);
    expect(isServed(u({ message: { chat: { id: -100, type: 'supergroup' } } }), -100)).toBe(true);
    expect(isServed(u({ callback_query: { id: '1', message: { chat: priv } } }), null)).toBe(true);
    expect(isServed(u({ pre_checkout_query: { id: '1' } }), null)).toBe(true);
    expect(isServed(u({ shipping_query: { id: '1' } }), null)).toBe(true);
    expect(isServed(u({ my_chat_member: { chat: priv } }), null)).toBe(true);
    // Join requests to the support group only (agents are approved there).
    expect(isServed(u({ chat_join_request: { chat: { id: -100, type: 'supergroup' }, from: priv } }), -100)).toBe(true);
    expect(isServed(u({ chat_join_request: { chat: { id: -200, type: 'supergroup' }, from: priv } }), -100)).toBe(false);
    expect(isServed(u({ chat_join_request: { chat: { id: -100, type: 'supergroup' }, from: priv } }), null)).toBe(false);
  });
  it('ignores other kinds and other chats', () => {
    expect(isServed(u({ message: { chat: { id: -200, type: 'supergroup' } } }), -100)).toBe(false);
    expect(isServed(u({ message: { chat: { id: -200, type: 'group' } } }), null)).toBe(false);
    expect(isServed(u({ my_chat_member: { chat: { id: -200, type: 'group' } } }), null)).toBe(false);
    for (const kind of [
      'inline_query',
      'channel_post',
      'edited_message',
      'edited_channel_post',
      'chat_member',
      'poll',
      'chosen_inline_result',
      'chat_join_request',
      'message_reaction',
    ])
      expect(isServed(u({ [kind]: {} }), -100)).toBe(false);
    expect(isServed(u({}), null)).toBe(false);
    expect(isServed(u({ callback_query: { id: '1', inline_message_id: 'im1' } }), null)).toBe(false);
    expect(isServed(u({ callback_query: { id: '1', message: { chat: { id: -200, type: 'group' } } } }), -100)).toBe(false);
  });
});
