/**
 * Store orders worked by ops staff with buttons in /ops, and what customers receive, end to end:
 * the real app (bot and workers) against the Bot API stand-in, real Postgres and Redis. The list
 * to ship → an order → "Mark shipped" asks for carrier and tracking number as text (checked) →
 * the customer is told; "Mark delivered" is confirmed first → the customer is told; repeated and
 * foreign presses change nothing. Also: the refund notice, double taps on the cart buttons, and a
 * store order's charger installation in the ops worklist (marked installed; the customer is told).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartItems, installations, storeOrders, storeVariants } from '../../src/db/schema/index.js';
import { storePayload } from '../../src/domain/store/rules.js';
import { futureSlots } from '../integration/helpers.js';
import { lastPlain as last, plain, startedChatFactory, TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { customerOf, payStoreInvoice } from '../support/store.js';
import { sleep, waitFor } from '../support/wait.js';

const OPS = 991_000_001;
let h: Harness;
let ops: TestChat;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling' });
  ops = new TestChat(h, OPS, { languageCode: 'en', firstName: 'Fang' });
  await ops.text('/start');
  await h.app.deps.services.staff.add(OPS, 'ops', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const newChat = startedChatFactory(() => h, 830_000_000 + Math.floor(Math.random() * 100_000) * 10);
const services = () => h.app.deps.services;
const storeOrderOf = async (c: TestChat) =>
  (
    await h.db.db
      .select()
      .from(storeOrders)
      .where(eq(storeOrders.customerId, (await customerOf(c)).id))
  )[0]!;
const stateOf = async (id: number) => (await services().storeCheckout.byId(id))!.state;
const cartQty = async (c: TestChat, variantId: string) =>
  (
    await h.db.db
      .select()
      .from(cartItems)
      .where(and(eq(cartItems.customerId, (await customerOf(c)).id), eq(cartItems.variantId, variantId)))
  )[0]?.qty ?? 0;
const received = (c: TestChat, text: string) => c.messages().some((m) => plain(m.text).includes(text));

/** Store → category → product → Add to cart → Cart → Checkout → pay through the shipping form. */
async function buy(c: TestChat, category: RegExp, product: string) {
  await c.press('sh');
  await c.tap(category);
  await c.tap(product);
  await c.tap('Add to cart');
  await c.tap(/^🛒 Cart/);
  await c.tap('Checkout');
  expect((await payStoreInvoice(c)).approved).toBe(true);
  return storeOrderOf(c);
}

describe('store orders in /ops', () => {
  it('list → order → Mark shipped (carrier and tracking typed, checked) → customer told; Mark delivered, confirmed → customer told', async () => {
    const c = await newChat();
    const order = await buy(c, /Accessories/, 'Touchscreen protector');
    expect(order.state).toBe('paid');

    await ops.text('/ops');
    const storeButton = ops.buttonLabels().find((l) => l.startsWith('🛍 Store orders'))!;
    expect(storeButton).toMatch(/^🛍 Store orders \(\d+ to ship\)$/);
    await ops.tap('🛍 Store orders');
    expect(last(ops)).toContain('Store orders');
    expect(last(ops)).toMatch(/Paid, to ship: \d+/);
    await ops.tap(order.number);
    expect(last(ops)).toContain(`Store order ${order.number} · paid, preparing shipment`);
    expect(last(ops)).toContain('Touchscreen protector × 1');
    expect(last(ops)).toContain('88 Century Avenue');
    expect(ops.buttonLabels()).toContain('🚚 Mark shipped');
    expect(ops.buttonLabels()).not.toContain('📦 Mark delivered');

    await ops.tap('Mark shipped');
    expect(last(ops)).toContain(`Ship store order ${order.number}`);
    expect(last(ops)).toContain('Send the carrier and the tracking number');
    // A sticker, one word, and a tracking number too short: asked again, nothing shipped.
    await ops.sticker();
    expect(ops.messages().map((m) => plain(m.text))).toContain('Please type the carrier and tracking number as a text message, or send /cancel.');
    for (const bad of ['JDV998877665', 'JD 12', 'J1 JDV998877665', 'JD JDV99<b>8877665']) {
      const calls = await ops.text(bad);
      const texts = calls.filter((x) => x.method === 'sendMessage').map((x) => plain(String(x.params.text)));
      expect(texts[0], bad).toBe('The carrier must be letters (e.g. JD) and the tracking number 6–40 letters or digits.');
      expect(last(ops)).toContain('Send the carrier and the tracking number');
    }
    expect(await stateOf(order.id)).toBe('paid');

    await ops.text('jd JDV998877665');
    expect(last(ops)).toContain(`Store order ${order.number} marked shipped (JD JDV998877665); the customer has been told.`);
    expect(last(ops)).toContain(`Store order ${order.number} · shipped`);
    expect(ops.buttonLabels()).toContain('📦 Mark delivered');
    expect(await stateOf(order.id)).toBe('shipped');
    await waitFor('the shipped notice', () => received(c, 'JDV998877665'));
    expect(c.messages().map((m) => plain(m.text))).toContain(`🚚 Your store order ${order.number} is on its way with JD. Tracking number: JDV998877665`);

    // The old "Mark shipped" button again (a double press, or a colleague): refused with where it is now.
    await ops.press(`oss:${order.id}`);
    expect(ops.toasts().at(-1)).toBe(`Store order ${order.number} is shipped; that step is not possible now.`);
    // Text typed now is no tracking number any more: it goes to the catch-all, nothing changes.
    await ops.text('JD JDV000000001');
    expect((await services().storeCheckout.byId(order.id))!.trackingNo).toBe('JDV998877665');

    // Delivered: asked first; "Back" changes nothing; "Yes" marks it and tells the customer.
    await ops.press(`oso:${order.id}`);
    await ops.tap('Mark delivered');
    expect(last(ops)).toContain(`Mark store order ${order.number} (JD JDV998877665, to Zhang Wei) as delivered?`);
    await ops.tap('‹ Back');
    expect(await stateOf(order.id)).toBe('shipped');
    await ops.tap('Mark delivered');
    await ops.tap('Yes, delivered');
    expect(ops.toasts().at(-1)).toBe(`Store order ${order.number} marked delivered; the customer has been told.`);
    expect(last(ops)).toContain(`Store order ${order.number} · delivered`);
    expect(await stateOf(order.id)).toBe('delivered');
    await waitFor('the delivered notice', () => received(c, 'has been delivered'));
    expect(c.messages().map((m) => plain(m.text))).toContain(`📦 Your store order ${order.number} has been delivered. Enjoy!`);
    const notice = c.messages().find((m) => plain(m.text).includes('has been delivered'))!;
    expect(notice.buttons.flat().map((b) => b.data)).toContain(`sho:${order.id}`);
    // The confirm pressed again: refused, the customer is not told twice.
    await ops.press(`osdy:${order.id}`);
    expect(ops.toasts().at(-1)).toBe(`Store order ${order.number} is delivered; that step is not possible now.`);
    await sleep(300); // proving a negative: no second notice follows
    expect(c.messages().filter((m) => plain(m.text).includes('has been delivered'))).toHaveLength(1);
  });

  it('customers and staff without the ops role cannot use the buttons; a role removed mid-step ends the step', async () => {
    const c = await newChat();
    const order = await buy(c, /Accessories/, 'Touchscreen protector');
    for (const data of ['osl', `oso:${order.id}`, `oss:${order.id}`]) {
      const calls = await c.press(data);
      expect(
        calls.some((x) => /^(send|edit)Message/.test(x.method) && plain(String(x.params.text)).includes('Store orders')),
        data,
      ).toBe(false);
    }
    expect(c.toasts().at(-1)).toBe('That button is no longer valid. Use the buttons on the latest message, or send /start for the main menu.');
    expect(await stateOf(order.id)).toBe('paid');

    const colleague = new TestChat(h, OPS + 1, { languageCode: 'en' });
    await colleague.text('/start');
    await services().staff.add(colleague.id, 'ops', 'test');
    await colleague.press(`oss:${order.id}`);
    expect(last(colleague)).toContain(`Ship store order ${order.number}`);
    await services().staff.remove(colleague.id, 'ops');
    await colleague.text('JD JDV123123123');
    expect(await stateOf(order.id)).toBe('paid');
    expect(last(colleague)).not.toContain('marked shipped');
  });
});

describe('customer notices', () => {
  it('a refund of a payment that came too late reaches the customer as a message', async () => {
    const c = await newChat('zh-hans');
    const s = services();
    const customer = await customerOf(c);
    await s.store.add(customer.id, 'screen');
    const late = (await s.storeCheckout.place(customer.id)).order;
    const facts = {
      payload: storePayload(late.id),
      currency: 'CNY',
      totalAmount: late.goodsFen + 1_500,
      payerTelegramId: c.id,
      shippingOptionId: 'standard',
      orderInfo: {
        name: 'Li Na',
        phone_number: '139',
        shipping_address: { country_code: 'CN', state: 'BJ', city: 'Beijing', street_line1: '1 Road', street_line2: '', post_code: '100000' },
      },
    };
    // Pre-checkout held the stock and fixed the shipping; the payment came after the hold lapsed and the last units went elsewhere.
    expect((await s.storeCheckout.preCheckout(facts)).ok).toBe(true);
    await h.db.db
      .update(storeOrders)
      .set({ holdExpiresAt: new Date(Date.now() - 1_000) })
      .where(eq(storeOrders.id, late.id));
    expect(await s.storeCheckout.expireUnpaid(late.id)).toBe('expired');
    const [screen] = await h.db.db.select().from(storeVariants).where(eq(storeVariants.id, 'screen'));
    await h.db.db.update(storeVariants).set({ stock: screen!.held }).where(eq(storeVariants.id, 'screen'));
    expect((await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: `late-${c.id}`, providerChargeId: 'p' })).status).toBe('needs_refund');
    await h.db.db.update(storeVariants).set({ stock: screen!.stock }).where(eq(storeVariants.id, 'screen'));

    await s.storeCheckout.refunded(late.id, 'cli:test');
    await waitFor('the refund notice', () => received(c, late.number));
    const notice = c.messages().find((m) => plain(m.text).includes(late.number))!;
    // The amount the customer paid (goods and shipping), in their language.
    expect(plain(notice.text)).toBe(`💴 商城订单 ${late.number} 的付款 ¥365 已退还给您。`);
    expect(notice.buttons.flat().map((b) => b.data)).toEqual([`sho:${late.id}`]);
  });
});

describe('double taps', () => {
  it('Add to cart, ➕ and ➖ pressed twice on the same screen change the cart once; the second press shows the fresh screen', async () => {
    const c = await newChat();
    await c.press('sh');
    await c.tap(/Charging/);
    await c.tap('Mobile Connector');
    const card = c.screen()!;
    const add = card.buttons.flat().find((b) => b.text.includes('Add to cart'))!;
    expect(add.data).toBe('sha:mc:0');

    await c.press(add.data!, card);
    expect(c.toasts().at(-1)).toBe('Added to your cart (1).');
    await c.press(add.data!, card);
    expect(c.toasts().at(-1)).toBe('That was already done. Your cart now has 1 of this item, shown below.');
    expect(await cartQty(c, 'mc')).toBe(1);
    expect(last(c)).toContain('1 in your cart');
    const fresh = c
      .screen()!
      .buttons.flat()
      .find((b) => b.text.includes('Add to cart'))!;
    expect(fresh.data).toBe('sha:mc:1');

    // Two updates of the same tap arriving together: still one more, not two.
    await Promise.all([c.press(fresh.data!), c.press(fresh.data!)]);
    expect(await cartQty(c, 'mc')).toBe(2);

    await c.tap(/^🛒 Cart/);
    const cart = c.screen()!;
    const plus = cart.buttons.flat().find((b) => b.text === '➕')!;
    const minus = cart.buttons.flat().find((b) => b.text === '➖')!;
    expect(plus.data).toBe('shq:mc:inc:2');
    await c.press(plus.data!, cart);
    await c.press(plus.data!, cart);
    expect(await cartQty(c, 'mc')).toBe(3);
    expect(c.toasts().at(-1)).toBe('That was already done. Your cart now has 3 of this item, shown below.');
    expect(last(c)).toContain('Mobile Connector × 3');
    // The ➖ of the old screen (it showed 2) changes nothing; the fresh one takes one off, once.
    await c.press(minus.data!, cart);
    expect(await cartQty(c, 'mc')).toBe(3);
    const freshMinus = c
      .screen()!
      .buttons.flat()
      .find((b) => b.text === '➖')!;
    await Promise.all([c.press(freshMinus.data!), c.press(freshMinus.data!)]);
    expect(await cartQty(c, 'mc')).toBe(2);
  });
});

describe('a store order’s charger installation for ops', () => {
  it('is in the worklist’s installations and is marked installed from there; the customer’s order shows it', async () => {
    const c = await newChat();
    const order = await buy(c, /Charging/, 'Wall Connector');
    const [slot] = await futureSlots(h.db.db, 'installation', 'sh-lingang', new Date(Date.now() + 3 * 3_600_000));
    // Only slots in the next 7 days are on the worklist.
    expect(slot!.startsAt.getTime()).toBeLessThan(Date.now() + 6 * 86_400_000);
    await services().bookings.book({
      storeOrderId: order.id,
      kind: 'installation',
      slotId: slot!.id,
      centreId: 'sh-lingang',
      address: 'Lane 88 Yuyuan Rd',
      parking: 'assigned',
      permission: true,
      actor: 'customer:e2e',
    });
    await ops.text('/ops');
    const entry = ops
      .screen()!
      .buttons.flat()
      .find((b) => b.text.startsWith(`🔌 ${order.number} · store charger`))!;
    expect(entry.text).toMatch(/→ mark installed$/);
    await ops.press(entry.data!);
    expect(ops.toasts().at(-1)).toBe(`✅ ${order.number}: charger installed`);
    const [installation] = await h.db.db.select().from(installations).where(eq(installations.storeOrderId, order.id));
    expect(installation!.state).toBe('installed');
    expect(ops.buttonLabels().some((l) => l.startsWith(`🔌 ${order.number}`))).toBe(false);
    // The customer is told by the store worker (the car reminders need a car order and skip it).
    await waitFor('the installed notice', () => received(c, 'has been installed'));
    const notice = c.messages().find((m) => plain(m.text).includes('has been installed'))!;
    expect(plain(notice.text)).toBe(`🔌 The Wall Connector of store order ${order.number} has been installed at Lane 88 Yuyuan Rd. Happy charging!`);
    expect(notice.buttons.flat().map((b) => b.data)).toEqual([`sho:${order.id}`]);
    // Pressed again: refused, no second notice.
    await ops.press(entry.data!);
    expect(ops.toasts().at(-1)).toBe('This charger installation is already “Installed”.');
    await sleep(300); // proving a negative: no second notice follows
    expect(c.messages().filter((m) => plain(m.text).includes('has been installed'))).toHaveLength(1);

    await c.press(`sho:${order.id}`);
    expect(last(c)).toContain('Installed at Lane 88 Yuyuan Rd.');
    expect(c.buttonLabels()).not.toContain('🔌 Book installation');
  });
});

describe('the store in the command menu and the help', () => {
  it('/store and /cart are in Telegram’s command menu in both languages, and /help mentions them', async () => {
    const menus = h.api.callsTo('setMyCommands');
    const commandsFor = (lang: string) => menus.find((x) => x.params.language_code === lang)?.params.commands as Array<{ command: string; description: string }> | undefined;
    expect(commandsFor('en')).toEqual(
      expect.arrayContaining([
        { command: 'store', description: 'Official store' },
        { command: 'cart', description: 'Shopping cart' },
      ]),
    );
    expect(commandsFor('zh')).toEqual(
      expect.arrayContaining([
        { command: 'store', description: '官方商城' },
        { command: 'cart', description: '购物车' },
      ]),
    );
    const en = await newChat('en');
    await en.text('/help');
    expect(last(en)).toContain('/store – official store');
    expect(last(en)).toContain('/cart – shopping cart');
    const zh = await newChat('zh-hans');
    await zh.text('/help');
    expect(last(zh)).toContain('/store – 官方商城');
    // The commands work: /cart shows the (empty) cart.
    await en.text('/cart');
    expect(last(en)).toContain('Your cart is empty');
  });
});
