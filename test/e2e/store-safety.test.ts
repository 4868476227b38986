/**
 * The store's promises under pressure, end to end through the Bot API stand-in with real Postgres
 * and Redis: the last unit sold once, an unpaid hold released by its BullMQ job, a price changed
 * after the invoice refused at pre-checkout, the cart surviving a restart, a Wall Connector
 * leading to an installation booking, and bad input (forged and stale buttons, stock limits, a
 * cart over Telegram's CNY maximum).
 */
import { Queue } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings, installations, storeOrders, storePayments, storeVariants } from '../../src/db/schema/index.js';
import { storeJobId, type StoreJob } from '../../src/jobs/store/store-jobs.js';
import { shippingFen } from '../../src/domain/store/rules.js';
import { newOrder } from '../integration/helpers.js';
import { lastPlain as last, plain, startedChatFactory, type TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { customerOf, lastInvoice, parse, payStoreInvoice } from '../support/store.js';
import { preCheckoutWithShippingUpdate, SAMPLE_ORDER_INFO, successfulPaymentWithShippingUpdate } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

/** The app's clock runs ahead by `offset` (to let a 15-minute hold run out in a test). */
let offset = 0;
let h: Harness;
let redis: Redis;
let storeQueue: Queue<StoreJob>;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling', now: () => new Date(Date.now() + offset) });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  storeQueue = new Queue<StoreJob>('store', { connection: redis, prefix: h.config.queuePrefix });
});
afterAll(async () => {
  await storeQueue?.close();
  redis?.disconnect();
  await h?.stop();
});

const newChat = startedChatFactory(() => h, 820_000_000 + Math.floor(Math.random() * 100_000) * 10);
const variant = async (id: string) => (await h.db.db.select().from(storeVariants).where(eq(storeVariants.id, id)))[0]!;
const ordersOf = async (c: TestChat) =>
  h.db.db
    .select()
    .from(storeOrders)
    .where(eq(storeOrders.customerId, (await customerOf(c)).id));

/** Store → category → product → (variant) → add → cart → checkout, by taps. */
async function addToCart(c: TestChat, category: RegExp, product: string, variantLabel?: RegExp) {
  await c.press('sh');
  await c.tap(category);
  await c.tap(product);
  if (variantLabel) await c.tap(variantLabel);
  await c.tap('Add to cart');
}

/** Asked about eligibility first: answers it (private garage, permission given), then the address, and books the first slot (returned). */
async function installAtHomeFirstSlot(c: TestChat) {
  expect(last(c)).toContain('A home charger is installed at a fixed parking space. Where do you park at home?');
  await c.tap('Private garage');
  expect(last(c)).toContain('Has your property management agreed to the installation of a charger?');
  await c.tap(/^Yes/);
  expect(last(c)).toContain('Please type the installation address');
  await c.text('Tomson Riviera, Building 3, parking space B2-117');
  expect(last(c)).toContain('Choose an installation day');
  const day = c
    .screen()!
    .buttons.flat()
    .find((b) => b.data?.startsWith('day:'))!;
  await c.press(day.data!);
  const slot = c
    .screen()!
    .buttons.flat()
    .find((b) => b.data?.startsWith('slot:'))!;
  await c.press(slot.data!);
  return slot;
}

describe('the last unit', () => {
  it('two customers pay for the last white cap at once: exactly one pre-checkout passes, one sale, one charge', async () => {
    const [a, b] = [await newChat(), await newChat()];
    for (const c of [a, b]) {
      await addToCart(c, /Apparel/, 'Tesla cap', /^White/);
      expect(plain(c.screen()!.text)).toContain('only 1 left');
      await c.tap('Cart (1)');
      await c.tap('Checkout');
    }
    const pre = [a, b].map((c) => {
      const invoice = lastInvoice(c);
      return preCheckoutWithShippingUpdate(c.user, {
        payload: String(invoice.params.payload),
        currency: 'CNY',
        totalAmount: 25_000 + 1_500,
        shippingOptionId: 'standard',
        orderInfo: SAMPLE_ORDER_INFO,
      });
    });
    const from = h.api.calls.length;
    await Promise.all(pre.map((u) => h.deliver(u)));
    const answers = h.api.calls.slice(from).filter((c) => c.method === 'answerPreCheckoutQuery');
    expect(answers).toHaveLength(2);
    expect(answers.filter((x) => x.params.ok === true)).toHaveLength(1);
    const refused = answers.find((x) => x.params.ok !== true)!;
    expect(refused.params.error_message).toBe('Sorry, an item in this order has just sold out. You have not been charged; please check your cart.');
    expect(await variant('cap-wht')).toMatchObject({ stock: 1, held: 1 });

    // The winner pays; the cap is sold once.
    const winnerIndex = pre.findIndex((u) => answers.find((x) => x.params.ok === true)!.params.pre_checkout_query_id === u.pre_checkout_query.id);
    const winner = [a, b][winnerIndex]!;
    const u = pre[winnerIndex]!.pre_checkout_query;
    await h.deliver(
      successfulPaymentWithShippingUpdate(winner.user, {
        payload: u.invoice_payload,
        currency: 'CNY',
        totalAmount: u.total_amount,
        telegramChargeId: `race_${winner.id}`,
        providerChargeId: `prov_race_${winner.id}`,
        shippingOptionId: 'standard',
        orderInfo: SAMPLE_ORDER_INFO,
      }),
    );
    expect(last(winner)).toContain('Payment received');
    expect(await variant('cap-wht')).toMatchObject({ stock: 0, held: 0 });
    const payments = await h.db.db
      .select()
      .from(storePayments)
      .where(eq(storePayments.telegramPaymentChargeId, `race_${winner.id}`));
    expect(payments).toHaveLength(1);
    // The loser's cart now says the cap is sold out, and checkout is refused with the reason.
    const loser = [a, b][1 - winnerIndex]!;
    await loser.press('shk');
    expect(last(loser)).toContain('sold out, please remove it');
    await loser.tap('Checkout');
    expect(loser.toasts().at(-1)).toContain('Some items in your cart are sold out');
  });
});

describe('holds and prices', () => {
  it('an unpaid hold is released by its job; the old invoice is then refused', async () => {
    const c = await newChat();
    await addToCart(c, /Apparel/, 'Tesla windbreaker jacket', /^Grey/);
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    const invoice = lastInvoice(c);
    const payload = String(invoice.params.payload);
    const orderId = Number(payload.split(':')[1]);
    const pre = (id?: string) =>
      preCheckoutWithShippingUpdate(c.user, { payload, currency: 'CNY', totalAmount: 110_000, shippingOptionId: 'standard', orderInfo: SAMPLE_ORDER_INFO, id });
    let from = h.api.calls.length;
    await h.deliver(pre());
    expect(h.api.calls.slice(from).find((x) => x.method === 'answerPreCheckoutQuery')!.params.ok).toBe(true);
    expect(await variant('jkt-gry-m')).toMatchObject({ stock: 1, held: 1 });
    const order = (await ordersOf(c)).find((o) => o.id === orderId)!;
    const job = await storeQueue.getJob(storeJobId.release(orderId, order.holdExpiresAt!));
    expect(await job!.getState()).toBe('delayed');
    expect(job!.opts.delay).toBeGreaterThan(14 * 60_000);

    offset = 16 * 60_000;
    try {
      await job!.promote();
      await waitFor('the hold to be released', async () => (await variant('jkt-gry-m')).held === 0);
      expect((await ordersOf(c)).find((o) => o.id === orderId)!.state).toBe('expired');
      from = h.api.calls.length;
      await h.deliver(pre());
      const answer = h.api.calls.slice(from).find((x) => x.method === 'answerPreCheckoutQuery')!;
      expect(answer.params).toMatchObject({ ok: false, error_message: 'This invoice has expired. Please check out again from your cart.' });
    } finally {
      offset = 0;
    }
  });

  it('a pre-checkout on a lapsed hold not yet released extends it: the unit is held once, and the release gives it back', async () => {
    const c = await newChat();
    await addToCart(c, /Accessories/, 'Glass roof sunshade');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    const { held: heldBefore } = await variant('shade-my');
    const invoice = lastInvoice(c);
    const payload = String(invoice.params.payload);
    const orderId = Number(payload.split(':')[1]);
    const goodsFen = parse<Array<{ amount: number }>>(invoice.params.prices).reduce((sum, p) => sum + p.amount, 0);
    const totalAmount = goodsFen + shippingFen('standard', goodsFen);
    const preCheckout = async () => {
      const from = h.api.calls.length;
      await h.deliver(preCheckoutWithShippingUpdate(c.user, { payload, currency: 'CNY', totalAmount, shippingOptionId: 'standard', orderInfo: SAMPLE_ORDER_INFO }));
      return h.api.calls.slice(from).find((x) => x.method === 'answerPreCheckoutQuery')!.params.ok;
    };
    const orderRow = async () => (await ordersOf(c)).find((o) => o.id === orderId)!;

    expect(await preCheckout()).toBe(true);
    expect((await variant('shade-my')).held).toBe(heldBefore + 1);
    const firstExpiry = (await orderRow()).holdExpiresAt!;
    try {
      // The hold has lapsed, but its release job (due by real time) has not run yet.
      offset = 16 * 60_000;
      expect(await preCheckout()).toBe(true);
      expect((await variant('shade-my')).held).toBe(heldBefore + 1);
      const extended = (await orderRow()).holdExpiresAt!;
      expect(extended.getTime()).toBeGreaterThan(firstExpiry.getTime());

      // The first release runs: the extended hold is not due, so nothing is given back yet.
      const first = await storeQueue.getJob(storeJobId.release(orderId, firstExpiry));
      await first!.promote();
      await waitFor('the first release to run', async () => (await first!.getState()) === 'completed');
      expect((await storeQueue.getJob(first!.id!))!.returnvalue).toBe('skipped');
      expect((await variant('shade-my')).held).toBe(heldBefore + 1);
      expect((await orderRow()).state).toBe('pending_payment');

      // The extended hold runs out unpaid: its own release gives the unit back, once.
      offset = 32 * 60_000;
      const second = await storeQueue.getJob(storeJobId.release(orderId, extended));
      expect(await second!.getState()).toBe('delayed');
      await second!.promote();
      await waitFor('the extended hold to be released', async () => (await orderRow()).state === 'expired');
      expect((await variant('shade-my')).held).toBe(heldBefore);
    } finally {
      offset = 0;
    }
  });

  it('a price changed between the invoice and the payment is refused at pre-checkout, and nothing is held', async () => {
    const c = await newChat();
    await addToCart(c, /Accessories/, 'Touchscreen protector');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    await h.db.db.update(storeVariants).set({ priceFen: 39_900 }).where(eq(storeVariants.id, 'screen'));
    const before = await variant('screen');
    const result = await payStoreInvoice(c);
    expect(result.approved).toBe(false);
    expect(result.answer!.params.error_message).toContain('A price in your cart has changed');
    expect(await variant('screen')).toMatchObject({ stock: before.stock, held: 0 });
    // Checking out again makes an invoice at the new price, which goes through.
    await c.press('shk');
    await c.tap('Checkout');
    const again = await payStoreInvoice(c);
    expect(again.approved).toBe(true);
    expect(again.totalAmount).toBe(39_900 + 1_500);
  });
});

describe('cart persistence', () => {
  it('the cart survives a restart of the bot', async () => {
    const c = await newChat('zh-hans');
    await c.press('sh');
    await c.tap('充电设备');
    await c.tap('移动充电器');
    await c.tap('加入购物车');
    await c.tap('加入购物车');
    await h.restart();
    await c.tap('购物车（2）');
    expect(last(c)).toContain('移动充电器 × 2 — ¥3,000');
  });
});

describe('Wall Connector', () => {
  it('buying a Wall Connector offers the installation booking, which books a slot for the car order', async () => {
    const c = await newChat();
    const created = await newOrder(h.app.deps.services, await customerOf(c));
    await h.app.deps.services.orders.transition(created.id, 'deposit_paid', 'system', { note: 'test' });
    await addToCart(c, /Charging/, 'Wall Connector');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    const paid = await payStoreInvoice(c);
    expect(paid.approved).toBe(true);
    expect(paid.totalAmount).toBe(300_000);
    expect(last(c)).toContain('Your Wall Connector needs a professional installation');
    await c.tap('Book installation');
    // Booked for the car order: the basic installation comes with the car.
    expect(last(c)).toContain('Included with your car order');
    await installAtHomeFirstSlot(c);
    const [installation] = await h.db.db.select().from(installations).where(eq(installations.orderId, created.id));
    expect(installation).toMatchObject({ state: 'scheduled', parking: 'garage' });
    const booked = await h.db.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.orderId, created.id), eq(bookings.kind, 'installation')));
    expect(booked).toHaveLength(1);
  });

  it('without a car order the Wall Connector gets its own installation booking, linked to the store order', async () => {
    const c = await newChat();
    await addToCart(c, /Charging/, 'Wall Connector');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    expect((await payStoreInvoice(c)).approved).toBe(true);
    const [order] = await ordersOf(c);
    expect(last(c)).toContain('Your Wall Connector needs a professional installation');
    const book = c
      .screen()!
      .buttons.flat()
      .find((b) => b.text === '🔌 Book installation')!;
    expect(book.data).toBe(`shi:${order!.id}`);
    await c.tap('Book installation');
    // A store order has no city: asked first, then the journey's installation questions.
    expect(last(c)).toContain(`Installation for store order ${order!.number}`);
    await c.tap('Shanghai');
    // A charger bought on its own: nothing says its installation is free (that comes with a car order).
    expect(last(c)).not.toContain('Included with your car order');
    const slot = await installAtHomeFirstSlot(c);
    expect(last(c)).toContain(`Booked for order ${order!.number}`);
    const [installation] = await h.db.db.select().from(installations).where(eq(installations.storeOrderId, order!.id));
    expect(installation).toMatchObject({ orderId: null, state: 'scheduled', parking: 'garage', address: 'Tomson Riviera, Building 3, parking space B2-117' });
    const booked = await h.db.db.select().from(bookings).where(eq(bookings.storeOrderId, order!.id));
    expect(booked).toMatchObject([{ orderId: null, kind: 'installation', state: 'active', slotId: Number(slot.data!.split(':')[1]) }]);

    // My orders → the store order shows the installation, with reschedule and cancel; no second booking offered.
    await c.press(`sho:${order!.id}`);
    expect(last(c)).toContain('Installation');
    expect(last(c)).toContain('Tomson Riviera');
    expect(c.buttonLabels()).not.toContain('🔌 Book installation');
    await c.press(`shi:${order!.id}`);
    expect(c.toasts().at(-1)).toContain('already has that booking');
    expect(await h.db.db.select().from(bookings).where(eq(bookings.storeOrderId, order!.id))).toHaveLength(1);

    // Another customer cannot book or cancel it.
    const other = await newChat();
    await other.press(`shi:${order!.id}`);
    expect(other.toasts().at(-1)).toBe('That order was not found. Open My orders to see yours.');
    await other.press(`bxy:${booked[0]!.id}`);
    expect((await h.db.db.select().from(bookings).where(eq(bookings.id, booked[0]!.id)))[0]!.state).toBe('active');

    // Rescheduling keeps the city, address and answers: straight to the days, then a new slot replaces the old.
    await c.press(`sho:${order!.id}`);
    await c.tap('Reschedule installation');
    const otherDay = c
      .screen()!
      .buttons.flat()
      .filter((b) => b.data?.startsWith('day:'))
      .at(-1)!;
    await c.press(otherDay.data!);
    const newSlot = c
      .screen()!
      .buttons.flat()
      .find((b) => b.data?.startsWith('slot:'))!;
    await c.press(newSlot.data!);
    expect(last(c)).toContain(`Rescheduled for order ${order!.number}`);
    const live = await h.db.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.storeOrderId, order!.id), eq(bookings.state, 'active')));
    expect(live).toMatchObject([{ slotId: Number(newSlot.data!.split(':')[1]), address: 'Tomson Riviera, Building 3, parking space B2-117' }]);
    expect((await h.db.db.select().from(bookings).where(eq(bookings.id, booked[0]!.id)))[0]!.state).toBe('cancelled');

    // Cancelling frees the slot and closes the installation; the store order offers a booking again.
    await c.press(`sho:${order!.id}`);
    await c.tap('Cancel installation');
    await c.tap(/^Yes/);
    expect((await h.db.db.select().from(bookings).where(eq(bookings.id, live[0]!.id)))[0]!.state).toBe('cancelled');
    expect((await h.db.db.select().from(installations).where(eq(installations.id, installation!.id)))[0]!.state).toBe('cancelled');
    expect(last(c)).toContain(`Store order ${order!.number}`);
    expect(c.buttonLabels()).toContain('🔌 Book installation');
  });
});

describe('bad input', () => {
  it('forged variant ids, stale product buttons, quantities beyond stock, and a cart over the CNY maximum', async () => {
    const c = await newChat();
    await c.press('shv:no-such-variant');
    expect(c.toasts().at(-1)).toBe('That item is no longer in the store. Go back to the store to choose another.');
    await c.press('sha:x'); // well-formed, but no such variant in the database
    expect(c.toasts().at(-1)).toBe('That item is no longer in the store. Go back to the store to choose another.');
    // A product button of a product no longer sold: the stale-button answer, then the current step.
    await c.press('shp:retired-product');
    expect(c.toasts().at(-1)).toBe('That button is from an earlier screen. Here is where you are now.');
    // Malformed data (an op the codec does not know) never reaches the store.
    const before = c.toasts().length;
    await c.press('shq:screen:zz');
    expect(c.toasts().length).toBe(before + 1);
    // Free text on a store screen: the screen is shown again.
    await c.press('shk');
    await c.text('two more please');
    expect(last(c)).toContain('Your cart');

    // Roof rack: 5 in stock; the 6th is refused with the reason.
    await addToCart(c, /Accessories/, 'Roof rack');
    for (let i = 0; i < 4; i++) await c.tap('Add to cart');
    await c.tap('Add to cart');
    expect(c.toasts().at(-1)).toBe('Sorry, only 5 left. Please choose a smaller quantity.');
    // 5 racks + 20 Wall Connectors = ¥75,000: over Telegram's ¥64,441 for one payment.
    await c.press('sh');
    await c.tap(/Charging/);
    await c.tap('Wall Connector');
    for (let i = 0; i < 20; i++) await c.tap('Add to cart');
    await c.tap(/^🛒 Cart/);
    await c.tap('Checkout');
    expect(c.toasts().at(-1)).toBe(
      'Telegram accepts at most ¥64,441 in one payment, and this order comes to ¥75,000. Please split it into smaller orders: remove some items, pay, then order the rest.',
    );
    expect(h.api.callsTo('sendInvoice').filter((x) => String(x.params.chat_id) === String(c.id))).toHaveLength(0);
  });

  it('another customer’s store order id shows nothing of it', async () => {
    const owner = await newChat();
    await addToCart(owner, /Accessories/, 'Glass roof sunshade');
    await owner.tap('Cart (1)');
    await owner.tap('Checkout');
    const [order] = await ordersOf(owner);
    const snoop = await newChat();
    await snoop.press(`sho:${order!.id}`);
    expect(snoop.toasts().at(-1)).toBe('That order was not found. Open My orders to see yours.');
    expect(last(snoop)).not.toContain(order!.number);
  });
});
