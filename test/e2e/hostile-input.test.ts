/**
 * Hostile input end to end (real app, Bot API stand-in, real Postgres and Redis, a support desk):
 * a NUL in a customer's message in a support conversation, names that hide behind direction
 * overrides, text longer than Telegram allows, update kinds the bot does not serve, and a stray
 * payment for no order. What agents, staff and the customer see is checked, and the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { cutToTelegramLimits } from '../../src/telegram/limits.js';
import { formatCny } from '../../src/shared/money.js';
import { TestChat, textsIn } from '../support/chat.js';
import { TEST_TOKEN, type Harness } from '../support/harness.js';
import { latestOrder, placeCarOrder } from '../support/orders.js';
import { SupportDesk, t } from '../support/support-desk.js';
import { successfulPaymentUpdate, userFor, withId } from '../support/updates.js';

let d: SupportDesk;
let h: Harness;
beforeAll(async () => {
  d = await SupportDesk.start(-1009400000077, 94_700_000);
  h = d.h;
});
afterAll(async () => {
  await d?.h.stop();
});

describe('text Postgres cannot store', () => {
  it('a NUL in a message to an agent: copied to the topic, kept in the transcript, no apology', async () => {
    const { c, thread } = await d.handoff();
    const since = h.api.calls.length;
    const calls = await c.text('my car\u0000 will not start');
    expect(textsIn(calls)).not.toContain(t('en', 'errors.generic'));
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    const transcript = await d.transcriptOf(c.id);
    expect(transcript.at(-1)).toMatchObject({ direction: 'in', text: 'my car\uFFFD will not start' });
  });

  it('a lone surrogate and NUL in a name and a contact: the customer is stored and answered', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en', firstName: 'Li\uD800\u0000' });
    const calls = await c.text('/start');
    expect(textsIn(calls)).not.toContain(t('en', 'errors.generic'));
    const [row] = await h.db.sql<Array<{ first_name: string }>>`select first_name from customers where telegram_id = ${c.id}`;
    expect(row!.first_name).toBe('Li\uFFFD\uFFFD');
  });
});

describe('names that disguise themselves', () => {
  it('direction overrides and zero-width characters are kept out of the stored name, the topic and the card', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en', firstName: '\u202EnimdA\u200B' });
    await c.text('/start');
    await c.tap(t('en', 'support.talk'));
    const [row] = await h.db.sql<Array<{ first_name: string }>>`select first_name from customers where telegram_id = ${c.id}`;
    expect(row!.first_name).toBe('nimdA');
    const topic = h.api.callsTo('createForumTopic').at(-1)!;
    expect(String(topic.params.name)).toMatch(/^nimdA · en · #\d+$/);
    const conversation = (await d.conversationOf(c.id))!;
    const card = await d.cardNow(conversation.id);
    expect(card.text).toContain('nimdA');
    expect(card.text).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/);
  });

  it('HTML in a name stays escaped on the card', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en', firstName: '<b>Boss</b> & co' });
    await c.text('/start');
    await c.tap(t('en', 'support.talk'));
    const card = await d.cardNow((await d.conversationOf(c.id))!.id);
    expect(card.text).toContain('&lt;b&gt;Boss&lt;/b&gt; &amp; co');
  });
});

describe("Telegram's length limits", () => {
  it('a text or caption over the limit is cut with a visible …, tags closed, entities trimmed', async () => {
    const telegram = new Telegram(TEST_TOKEN, { apiRoot: h.config.telegramApiRoot });
    cutToTelegramLimits(telegram);
    const chat = 94_700_999;
    await telegram.sendMessage(chat, `<b>${'x'.repeat(5000)}</b>`, { parse_mode: 'HTML' });
    await telegram.sendMessage(chat, 'y'.repeat(5000), { entities: [{ type: 'bold', offset: 4000, length: 1000 }] });
    await telegram.sendPhoto(chat, 'AgADphoto', { caption: 'z'.repeat(2000) });
    const [html, plain, photo] = h.api.calls.filter((x) => String(x.params.chat_id) === String(chat));
    expect(html!.params.text).toBe(`<b>${'x'.repeat(4095)}…</b>`);
    expect(plain!.params.text).toBe(`${'y'.repeat(4095)}…`);
    const entities = typeof plain!.params.entities === 'string' ? JSON.parse(plain!.params.entities) : plain!.params.entities;
    expect(entities).toEqual([{ type: 'bold', offset: 4000, length: 95 }]);
    expect(photo!.params.caption).toBe(`${'z'.repeat(1023)}…`);
  });
});

describe('updates the bot does not serve', () => {
  const user = userFor(94_700_500, { languageCode: 'en', firstName: 'Stray' });
  const group = { id: -1_009_400_000_555, type: 'supergroup' as const, title: 'Other group' };
  const kinds: Array<[string, Record<string, unknown>]> = [
    ['inline query', { inline_query: { id: '77', from: user, query: 'model y', offset: '' } }],
    ['channel post', { channel_post: { message_id: 1, date: 0, chat: { id: -1_009_400_000_556, type: 'channel', title: 'c' }, text: 'hi' } }],
    ['edited message', { edited_message: { message_id: 1, date: 0, edit_date: 1, from: user, chat: { id: user.id, type: 'private', first_name: 'Stray' }, text: '/start' } }],
    [
      'chat member change in another chat',
      { chat_member: { chat: group, from: user, date: 0, old_chat_member: { user, status: 'left' }, new_chat_member: { user, status: 'member' } } },
    ],
    [
      'bot added to an unknown group',
      { my_chat_member: { chat: group, from: user, date: 0, old_chat_member: { user, status: 'left' }, new_chat_member: { user, status: 'member' } } },
    ],
    ['message in an unknown group', { message: { message_id: 5, date: 0, from: user, chat: group, text: '/start' } }],
  ];
  for (const [name, body] of kinds) {
    it(`${name}: no answer, no apology, no database work beyond its inbox row`, async () => {
      const update = withId(body as unknown as Update);
      const since = h.api.calls.length;
      await h.deliver(update);
      expect(h.lastWebhookStatus ?? 200).toBe(200);
      expect(h.api.calls.slice(since).filter((x) => x.method !== 'getUpdates')).toEqual([]);
      // Stored (every update is, before it is acknowledged) and done at the first try, nothing else.
      const [row] = await h.db.sql`select state, attempts from inbox_updates where update_id = ${update.update_id}`;
      expect(row).toMatchObject({ state: 'done', attempts: 1 });
      expect(await h.db.sql`select 1 from customers where telegram_id = ${user.id}`).toHaveLength(0);
    });
  }
});

describe('a payment for no known order', () => {
  it('is kept once in unmatched_payments, ops are alerted once, and the customer is told', async () => {
    const ops = userFor(94_700_600, { languageCode: 'en', firstName: 'Ops' });
    await h.app.deps.services.staff.add(ops.id, 'ops', 'test');
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const pay = () =>
      successfulPaymentUpdate(c.user, { payload: 'deposit:junk', currency: 'CNY', totalAmount: 100_000, telegramChargeId: 'tg_stray_1', providerChargeId: 'prov_stray_1' });
    const since = h.api.calls.length;
    await h.deliver(pay());
    await h.deliver(pay()); // Telegram's retry with a new update id, or a forged repeat
    const toCustomer = h.api.calls.slice(since).filter((x) => String(x.params.chat_id) === String(c.id) && x.method === 'sendMessage');
    expect(toCustomer.map((x) => x.params.text)).toContain(t('en', 'deposit.paid_unknown', { amount: formatCny(100_000, 'en') }));
    const alerts = h.api.calls.slice(since).filter((x) => String(x.params.chat_id) === String(ops.id));
    expect(alerts).toHaveLength(1);
    expect(String(alerts[0]!.params.text)).toContain('tg_stray_1');
    const rows = await h.db.sql`select kind, payload, amount from unmatched_payments where telegram_payment_charge_id = 'tg_stray_1'`;
    expect(rows).toEqual([{ kind: 'deposit', payload: 'deposit:junk', amount: 100_000 }]);
    const [{ n }] = (await h.db.sql`select count(*)::int as n from payments`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  });

  it("a stray payment naming someone else's order pays nothing: the order still awaits its deposit", async () => {
    const owner = new TestChat(h, d.customerId(), { languageCode: 'en' });
    const order = await placeCarOrder(owner, { modelId: 'model-y', picks: ['my-lr', 'my-paint-red', 'my-wheels-20', 'my-int-white'] }, { city: 'shanghai' });
    expect(order.state).toBe('awaiting_deposit');
    const stranger = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await stranger.text('/start');
    const calls = await h
      .deliver(
        successfulPaymentUpdate(stranger.user, {
          payload: `deposit:${order.id}`,
          currency: 'CNY',
          totalAmount: order.deposit_fen,
          telegramChargeId: 'tg_stray_2',
          providerChargeId: 'prov_stray_2',
        }),
      )
      .then(() => h.api.calls.filter((x) => String(x.params.chat_id) === String(stranger.id)).at(-1));
    // Told it is not for an order of theirs and comes back in full (src/telegram/screens/payments.ts), never the other customer's order number.
    expect(calls?.params.text).toBe(t('en', 'payments.not_applied_foreign', { amount: formatCny(order.deposit_fen, 'en'), days: 7 }));
    expect((await latestOrder(owner)).state).toBe('awaiting_deposit');
    // Kept for a refund, as a payment that could not be applied (the payer is not the order's customer).
    expect(await h.db.sql`select status, problem from payments where telegram_payment_charge_id = 'tg_stray_2'`).toEqual([{ status: 'refund_needed', problem: 'payer_mismatch' }]);
  });
});
