/**
 * `/deletemydata` end to end through the Bot API emulator (src/bot/features/privacy,
 * src/domain/privacy/erasure.ts): a confirmation with two buttons in the customer's language;
 * "keep" changes nothing; an order whose deposit is paid and not yet delivered stops the erasure
 * (the customer is told which); once it is delivered, the erasure takes name, phone, addresses,
 * conversation state, support transcript and consent, cancels the unpaid order, and keeps the
 * orders' amounts, dates and VIN without the person. The next /start is a new customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { TestChat, plain } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { placeCarOrder, type CarChoice } from '../support/orders.js';
import { t } from '../support/support-desk.js';

const MODEL_3: CarChoice = { modelId: 'model-3', picks: ['m3-rwd', 'm3-paint-white', 'm3-wheels-18', 'm3-int-black'] };
const VIN = 'LRW3E7EK1PC000001';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

type CustomerRow = {
  id: number;
  telegram_id: string;
  first_name: string;
  last_name: string | null;
  username: string | null;
  phone: string | null;
  marketing_consent: boolean | null;
  erased_at: Date | null;
};
const customerById = async (id: number) =>
  (await h.db.sql<CustomerRow[]>`select id, telegram_id, first_name, last_name, username, phone, marketing_consent, erased_at from customers where id = ${id}`)[0]!;
const customerOf = async (telegramId: number) =>
  (await h.db.sql<CustomerRow[]>`select id, telegram_id, first_name, last_name, username, phone, marketing_consent, erased_at from customers where telegram_id = ${telegramId}`)[0];
const count = async (query: Promise<Array<{ n: number }>>) => (await query)[0]!.n;

describe('/deletemydata', () => {
  it('is in the command menu and in /help, in both languages', async () => {
    const lists = h.api.callsTo('setMyCommands').filter((call) => !call.params.scope);
    const menu = (lang: string) => (lists.find((call) => call.params.language_code === lang)?.params.commands as Array<{ command: string; description: string }> | undefined) ?? [];
    expect(menu('en').find((x) => x.command === 'deletemydata')?.description).toBe('Delete my personal data');
    expect(menu('zh').find((x) => x.command === 'deletemydata')?.description).toBe('删除我的个人信息');
    const en = new TestChat(h, 930_011, { languageCode: 'en' });
    await en.text('/help');
    expect(en.lastText()).toContain('/deletemydata – delete my personal data');
    const zh = new TestChat(h, 930_012, { languageCode: 'zh-hans' });
    await zh.text('/help');
    expect(zh.lastText()).toContain('/deletemydata – 删除我的个人信息');
  });

  it('asks first, with two buttons in the customer language; "keep" deletes nothing', async () => {
    const c = new TestChat(h, 930_001, { languageCode: 'zh-hans', firstName: 'Li' });
    await c.text('/start');
    await c.text('/deletemydata');
    expect(plain(c.lastText())).toContain('删除我的个人信息');
    expect(c.buttonLabels()).toEqual([t('zh-CN', 'privacy.confirm_yes'), t('zh-CN', 'privacy.confirm_no')]);
    await c.tap(t('zh-CN', 'privacy.confirm_no'));
    expect(c.lastText()).toBe(t('zh-CN', 'privacy.kept'));
    // The confirmation became the answer, its buttons gone (nothing left to press twice).
    expect(c.messages().at(-1)!.buttons.flat()).toEqual([]);
    const row = await customerOf(c.id);
    expect(row).toMatchObject({ first_name: 'Li', erased_at: null });
  });

  it('refuses while a paid car order is on its way, then erases the person and keeps the orders anonymised', async () => {
    const c = new TestChat(h, 930_002, { languageCode: 'en', firstName: 'Wei' });
    const paid = await placeCarOrder(c, MODEL_3, { city: 'shanghai' });
    const payment = await c.pay();
    expect(payment.approved).toBe(true);
    const me = (await customerOf(c.id))!;
    // Things that name the person: consent, a saved store address, a support transcript.
    await h.app.deps.services.consent.set(me.id, true, 'settings');
    await h.db.sql`insert into store_addresses (customer_id, recipient, phone, city, address) values (${me.id}, 'Zhang Wei', '13800138000', 'Shanghai', '1 Century Ave')`;
    const [conv] = await h.db.sql<Array<{ id: number }>>`insert into support_conversations (customer_id, status) values (${me.id}, 'closed') returning id`;
    await h.db.sql`insert into support_messages (conversation_id, customer_id, direction, sender_telegram_id, content_type, text)
      values (${conv!.id}, ${me.id}, 'in', ${c.id}, 'text', 'my address is 1 Century Ave')`;

    // The deposit is paid and the car not delivered: the name and phone are still needed.
    await c.text('/deletemydata');
    await c.tap('Delete my data');
    expect(plain(c.lastText())).toContain(t('en', 'privacy.blocked'));
    expect(plain(c.lastText())).toContain(`Car order ${paid.number} is in progress`);
    expect(await customerById(me.id)).toMatchObject({ phone: '+8613800138000', erased_at: null, marketing_consent: true });

    // Delivered (as ops would), and a second order placed but not paid.
    await h.db.sql`update orders set state = 'delivered', vin = ${VIN}, delivered_at = now() where id = ${paid.id}`;
    const unpaid = await placeCarOrder(c, MODEL_3, { city: 'shanghai' });
    expect(unpaid.state).toBe('awaiting_deposit');

    await c.text('/deletemydata');
    await c.tap('Delete my data');
    expect(plain(c.lastText())).toContain(t('en', 'privacy.done'));
    expect(plain(c.lastText())).toContain(`Cancelled because it was not paid: ${unpaid.number}`);

    const erased = await customerById(me.id);
    expect(erased).toMatchObject({ telegram_id: String(-me.id), first_name: '', last_name: null, username: null, phone: null, marketing_consent: null });
    expect(erased.erased_at).not.toBeNull();
    const orders = await h.db.sql<
      Array<{ number: string; state: string; contact_name: string; phone: string; city: string; vin: string | null; deposit_fen: number; total_fen: number; created_at: Date }>
    >`
      select number, state, contact_name, phone, city, vin, deposit_fen, total_fen, created_at from orders where customer_id = ${me.id} order by id`;
    expect(orders.map((o) => ({ number: o.number, state: o.state, contact: o.contact_name, phone: o.phone, city: o.city, vin: o.vin, deposit: o.deposit_fen }))).toEqual([
      { number: paid.number, state: 'delivered', contact: '', phone: '', city: '', vin: VIN, deposit: paid.deposit_fen },
      { number: unpaid.number, state: 'cancelled', contact: '', phone: '', city: '', vin: null, deposit: unpaid.deposit_fen },
    ]);
    expect(orders.every((o) => o.total_fen > 0 && o.created_at != null)).toBe(true);
    const [pay] = await h.db.sql<Array<{ amount_fen: number; payer: string; charge: string }>>`
      select amount_fen, payer_telegram_id as payer, telegram_payment_charge_id as charge from payments where order_id = ${paid.id}`;
    expect(pay).toEqual({ amount_fen: paid.deposit_fen, payer: '0', charge: payment.chargeId });
    const [cancelEvent] = await h.db.sql<Array<{ actor: string; note: string }>>`
      select actor, note from order_events where order_id = ${unpaid.id} and to_state = 'cancelled'`;
    expect(cancelEvent).toEqual({ actor: 'customer:erased', note: 'data_erased' });
    expect(await count(h.db.sql`select count(*)::int as n from order_events where actor = ${`customer:${c.id}`}`)).toBe(0);
    expect(await count(h.db.sql`select count(*)::int as n from store_addresses where customer_id = ${me.id}`)).toBe(0);
    expect(await count(h.db.sql`select count(*)::int as n from support_messages where customer_id = ${me.id}`)).toBe(0);
    expect(await count(h.db.sql`select count(*)::int as n from marketing_consent_log where customer_id = ${me.id}`)).toBe(0);
    expect(await count(h.db.sql`select count(*)::int as n from conversation_states where chat_id = ${c.id}`)).toBe(0);
    // Handled updates (payloads with names and phones) are gone, but for the confirming press itself,
    // marked done after the erasure committed: the inbox prune removes it after 7 days.
    const kept = await h.db.sql<Array<{ kind: string }>>`select kind from inbox_updates where chat_key = ${String(c.id)} and state = 'done'`;
    expect(kept).toEqual([{ kind: 'callback_query' }]);

    // Writing again starts afresh: a new customer, no orders.
    await c.text('/start');
    const fresh = (await customerOf(c.id))!;
    expect(fresh.id).not.toBe(me.id);
    await c.press(cb.orders.pack({}));
    expect(await count(h.db.sql`select count(*)::int as n from orders where customer_id = ${fresh.id}`)).toBe(0);
  });
});
