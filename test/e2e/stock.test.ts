/**
 * /stock end to end through the stand-in: ops staff restock (a double press adds once) and change a
 * price by typing it, each with its audit row; a customer can neither open /stock nor forge its
 * buttons; a sale below the threshold tells ops once (the store worker), the next sale does not.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { storePayload } from '../../src/domain/store/rules.js';
import { newCustomer } from '../integration/helpers.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sleep, waitFor } from '../support/wait.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const OPS = 577_000_001;
const CUSTOMER = 577_000_002;

beforeAll(async () => {
  h = await startHarness();
  await h.app.deps.services.staff.add(OPS, 'ops', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const audit = (id: string) =>
  h.db.sql<Array<{ actor: string; field: string; before: unknown; after: unknown }>>`select actor, field, before, after from catalog_audit where entity_id = ${id} order by id`;
const stockOf = async (id: string) => (await h.db.sql<[{ stock: number; price_fen: number }]>`select stock, price_fen from store_variants where id = ${id}`)[0];

it('ops restock (+10 once however often pressed) and change a price; every change audited', async () => {
  const m = new TestChat(h, OPS, { languageCode: 'en' });
  await m.text('/stock');
  expect(m.lastText()).toMatch(/^<b>Stock and prices<\/b>/);
  await m.tap(/^Mobile Connector · 15$/);
  expect(m.lastText()).toContain('<b>Mobile Connector</b> <code>mobile-connector</code>');
  await m.tap(/ · 15$/);
  expect(m.lastText()).toContain('Price ¥1,500\nStock 15');
  const card = m.screen()!;
  await m.tap('+10', { on: card });
  expect(m.toasts().at(-1)).toBe('✅ Restocked +10: 15 → 25');
  expect(m.lastText()).toMatch(/^✅ Restocked \+10: 15 → 25/);
  // The same button again (the card as it was, a double tap): nothing more is added.
  await m.tap('+10', { on: card });
  expect(m.toasts().at(-1)).toBe('The stock changed meanwhile (now 25); nothing was added. Press again if you still want to.');
  expect(await stockOf('mc')).toMatchObject({ stock: 25 });

  await m.tap('Change price…');
  expect(m.lastText()).toContain('Send the new price of <b>Mobile Connector</b> in yuan (now ¥1,500)');
  await m.text('abc');
  expect(m.messages().at(-2)?.text).toBe('Please send a price in yuan, for example 129 or 129.50.');
  await m.text('1399');
  expect(m.lastText()).toMatch(/^✅ Price changed: ¥1,500 → ¥1,399/);
  expect(await stockOf('mc')).toEqual({ stock: 25, price_fen: 1399_00 });
  expect((await audit('mc')).map((r) => [r.actor, r.field, r.before, r.after])).toEqual([
    [`staff:${OPS}`, 'stock', 15, 25],
    [`staff:${OPS}`, 'price', 1500_00, 1399_00],
  ]);

  // In Chinese too.
  await h.db.sql`update customers set language = 'zh-CN' where telegram_id = ${OPS}`;
  await m.text('/stock mc');
  expect(m.lastText()).toContain('价格 ¥1,399\n库存 25');
});

it('a customer cannot open /stock or press its buttons', async () => {
  const c = new TestChat(h, CUSTOMER, { languageCode: 'en' });
  await c.text('/start');
  await c.text('/stock');
  expect(c.lastText()).not.toMatch(/Stock and prices/);
  await c.press('stka:mc:50:25');
  await c.press('stkh:product:wall-connector:1');
  await c.press('stkm:model-y:0');
  expect(await audit('mc')).toHaveLength(2);
  expect(await audit('wall-connector')).toHaveLength(0);
  expect(await audit('model-y')).toHaveLength(0);
  expect(await stockOf('mc')).toMatchObject({ stock: 25 });
});

it('a sale below the threshold tells ops once; the next sale does not', async () => {
  const m = new TestChat(h, OPS, { languageCode: 'en' });
  await h.db.sql`update customers set language = 'en' where telegram_id = ${OPS}`;
  await m.text('/stock rack-my');
  await m.tap('Low-stock alert…');
  await m.text('4');
  expect(m.lastText()).toMatch(/^✅ Low-stock alert: below 0 → below 4/);
  const s = h.app.deps.services;
  const sell = async (n: number): Promise<void> => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'rack-my');
    const { order } = await s.storeCheckout.place(customer.id);
    const facts = {
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: order.goodsFen,
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: { name: 'L', phone_number: '1', shipping_address: { country_code: 'CN', state: 'SH', city: 'SH', street_line1: '1', street_line2: '', post_code: '200000' } },
    };
    expect((await s.storeCheckout.preCheckout(facts)).ok).toBe(true);
    expect((await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: `rack-${n}`, providerChargeId: 'p' })).status).toBe('recorded');
  };
  // Told in the business's default language (zh-CN), like the other alerts to staff.
  const alerts = () => h.api.messagesTo(OPS).filter((c) => String(c.params.text).includes('库存偏低'));
  await sell(1); // 5 → 4: not below 4
  await sell(2); // 4 → 3: below
  await waitFor('the low-stock alert', () => Promise.resolve(alerts().length === 1));
  expect(alerts()[0]!.params.text).toMatch(/^⚠️ <b>库存偏低<\/b>：.+ <code>rack-my<\/code> 仅剩 3 件（低于 4 件提醒）。发送 \/stock 补货。$/);
  await sell(3); // 3 → 2: still low, nobody told again
  await sleep(500);
  expect(alerts()).toHaveLength(1);
});
