/**
 * Handlers run again with the same update (issue 10, "Handlers are safe to run again after a crash at
 * any line"): the first run commits its write and then fails (the Bot API stand-in answers 500, or the
 * queue refuses), and the SAME update (same update_id, same payload) is delivered again, as Telegram
 * does after a failure; with the inbox (src/bot/inbox-consumer.ts) the update is run again by the
 * inbox after its backoff, and Telegram's own redelivery is a no-op. The rerun finds what the first run made instead of making it again,
 * and finishes the work: one order with its invoice, one campaign queued, one receipt.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Update } from 'telegraf/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { jobIds, campaignQueue } from '../../src/jobs/campaign-jobs.js';
import { queueNames, type ReminderJob } from '../../src/jobs/queues.js';
import { formatCny } from '../../src/shared/money.js';
import { cb } from '../../src/telegram/callback-data.js';
import { chatFactory, TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { toCityStep } from '../support/orders.js';
import { payStoreInvoice } from '../support/store.js';
import { callbackUpdate, nextUpdateId, preCheckoutUpdate, successfulPaymentUpdate, withId } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const i18n = createI18n('zh-CN');
const t = (key: string, vars: Record<string, unknown> = {}): string => String(i18n.t('en')(key, vars));
const SERVER_ERROR = { code: 500, description: 'Internal Server Error' };

let h: Harness;
let connection: Redis;
let reminders: Queue<ReminderJob>;
beforeAll(async () => {
  h = await startHarness({ mode: 'webhook', env: { INBOX_RETRY_MS: '300' } });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  reminders = new Queue<ReminderJob>(queueNames.reminders, { connection, prefix: h.config.queuePrefix });
});
afterAll(async () => {
  await reminders?.close();
  connection?.disconnect();
  await h?.stop();
});

const newChat = chatFactory(() => h, 131_000);
const MODEL_Y = { modelId: 'model-y', picks: ['my-lr', 'my-paint-white', 'my-wheels-19', 'my-int-black'] };

/** A press of `data` on the chat's current screen, as one update (with its id) that can be delivered twice. */
function pressUpdate(c: TestChat, data: string): Update {
  const m = c.screen();
  if (!m) throw new Error('no screen to press on');
  const update = callbackUpdate(c.user, data, { messageId: m.messageId });
  update.callback_query.message = m.raw;
  return withId(update);
}

/** The button on the chat's current screen whose label contains `label`. */
function buttonData(c: TestChat, label: string): string {
  const b = c
    .screen()
    ?.buttons.flat()
    .find((x) => x.text.includes(label));
  if (!b?.data) throw new Error(`no button ${label}`);
  return b.data;
}

/** Delivers `update`, expects the webhook to answer 500 (handling failed), then delivers the same update again. */
async function failThenRedeliver(update: Update): Promise<void> {
  await h.deliver(update);
  await firstTryFailed(update);
  await h.deliver(update);
  await rerunDone(update);
}

/** The first run failed: stored and acknowledged (200), the inbox keeps it pending for another run. */
async function firstTryFailed(update: Update): Promise<void> {
  expect(h.lastWebhookStatus).toBe(200);
  const [row] = await h.db.sql`select state, attempts from inbox_updates where update_id = ${update.update_id}`;
  expect(row).toMatchObject({ attempts: 1 });
}

/** The inbox ran it again after its backoff (Telegram delivering it again as well changes nothing). */
async function rerunDone(update: Update): Promise<void> {
  expect(h.lastWebhookStatus).toBe(200);
  await waitFor(
    'the update to be run again and done',
    async () => (await h.db.sql`select 1 from inbox_updates where update_id = ${update.update_id} and state = 'done'`).length > 0,
  );
}

const customerOrders = (c: TestChat) =>
  h.db.sql<Array<{ id: number; number: string; state: string; deposit_fen: number }>>`
    select o.id, o.number, o.state, o.deposit_fen from orders o join customers cu on cu.id = o.customer_id
    where cu.telegram_id = ${c.id} order by o.id`;

const invoicesDelivered = (c: TestChat) => h.api.callsTo('sendInvoice').filter((x) => String(x.params.chat_id) === String(c.id) && x.response.ok);

describe('the "agree and pay" press that creates an order, run again after the invoice failed', () => {
  it('finds the order the first run made: one order, one set of reminders, and the invoice is sent', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_Y);
    await c.press(cb.city.pack({ city: 'shanghai' }));
    h.api.failNext('sendInvoice', SERVER_ERROR);

    await failThenRedeliver(pressUpdate(c, cb.orderConfirm.pack({})));

    const orders = await customerOrders(c);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.state).toBe('awaiting_deposit');
    const invoices = invoicesDelivered(c);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.params.payload).toBe(`deposit:${orders[0]!.id}`);
    // The reminders of that one order only (30 min, 24 h, expiry), each once.
    const jobs = (await reminders.getJobs(['delayed', 'waiting'])).filter((j) => j.data.kind === 'deposit' || j.data.kind === 'expire-order');
    const mine = jobs.filter((j) => 'orderId' in j.data && orders.some((o) => o.id === (j.data as { orderId: number }).orderId));
    expect(mine.map((j) => j.id).sort()).toEqual([`reminder-deposit-${orders[0]!.id}-t24h`, `reminder-deposit-${orders[0]!.id}-t30m`, `expire-order-${orders[0]!.id}-t72h`].sort());
    // The chat moved on to the deposit step: a later press of "agree and pay" is stale and makes nothing.
    await h.deliver(pressUpdate(c, cb.orderConfirm.pack({})));
    expect(await customerOrders(c)).toHaveLength(1);
  });
});

describe('a deposit recorded, then the receipt failed', () => {
  it('the same successful_payment again sends the receipt with its buttons, once', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_Y);
    await c.press(cb.city.pack({ city: 'beijing' }));
    await c.press(cb.orderConfirm.pack({}));
    const [order] = await customerOrders(c);
    const facts = { payload: `deposit:${order!.id}`, currency: 'CNY', totalAmount: order!.deposit_fen };
    await h.deliver(preCheckoutUpdate(c.user, facts));
    const chargeId = `ch_rerun_${c.id}`;
    const payment = () => withId(successfulPaymentUpdate(c.user, { ...facts, telegramChargeId: chargeId, providerChargeId: `prov_${chargeId}` })) as Update;
    const update = payment();

    h.api.failChat(c.id, SERVER_ERROR);
    await h.deliver(update);
    await firstTryFailed(update);
    h.api.failChat(c.id, null);
    await h.deliver(update);
    await rerunDone(update);

    expect(await h.db.sql`select id from payments where order_id = ${order!.id}`).toHaveLength(1);
    expect((await customerOrders(c))[0]!.state).toBe('deposit_paid');
    const receipt = t('deposit.paid', { number: order!.number, amount: formatCny(order!.deposit_fen, 'en'), model: 'Model Y', refund: t('deposit.policy_until_vin') });
    const receipts = () => h.api.messagesTo(c.id, { delivered: true }).filter((x) => x.params.text === receipt);
    expect(receipts()).toHaveLength(1);
    // Before the car is ready: a preferred week, not a delivery booking.
    expect(c.buttonLabels()).toEqual(expect.arrayContaining([t('orders.prefer_week'), t('menu.installation')]));

    // Told once: the same charge delivered again (another update id) stays silent.
    await h.deliver(payment());
    expect(receipts()).toHaveLength(1);
    expect(await h.db.sql`select id from payments where order_id = ${order!.id}`).toHaveLength(1);
  });
});

describe('a confirmed campaign whose start could not be queued', () => {
  it('the same Confirm press again finds the campaign the first run wrote and queues it: one campaign, one progress message', async () => {
    const marketerId = 131_900;
    await h.app.deps.services.staff.add(marketerId, 'marketer', 'test');
    const m = new TestChat(h, marketerId, { languageCode: 'en' });
    await m.text('/campaign');
    await m.tap('English');
    await m.text('Spring test drive weekend');
    await m.tap('No buttons');
    await m.tap('Skip');
    await m.tap('Next');
    await m.tap('Send now');
    const [{ n: before }] = await h.db.sql<[{ n: number }]>`select count(*)::int as n from campaigns`;

    const jobs = h.app.deps.campaignJobs;
    const start = jobs.start.bind(jobs);
    let refused = 0;
    jobs.start = async (id, delay) => {
      if (refused++ === 0) throw new Error('Connection is closed.');
      return start(id, delay);
    };
    try {
      await failThenRedeliver(pressUpdate(m, buttonData(m, 'Confirm')));
    } finally {
      jobs.start = start;
    }

    const rows = await h.db.sql<Array<{ id: number; progress_message_id: number | null }>>`select id, progress_message_id from campaigns where created_by = ${marketerId}`;
    expect(rows).toHaveLength(1);
    const [{ n: after }] = await h.db.sql<[{ n: number }]>`select count(*)::int as n from campaigns`;
    expect(after - before).toBe(1);
    expect(rows[0]!.progress_message_id).not.toBeNull();
    const progressPosts = h.api.messagesTo(marketerId, { delivered: true }).filter((x) => x.method === 'sendMessage' && String(x.params.text).includes(`Campaign #${rows[0]!.id}`));
    expect(progressPosts).toHaveLength(1);
    // Its start was queued (or has already run).
    const queue = campaignQueue(connection, h.config.queuePrefix);
    const job = await queue.getJob(jobIds.start(rows[0]!.id));
    await queue.close();
    const [{ status }] = await h.db.sql<[{ status: string }]>`select status from campaigns where id = ${rows[0]!.id}`;
    expect(job !== undefined || status !== 'scheduled').toBe(true);
  });
});

/** Callback data of the buttons on the chat's current screen that start with `prefix`. */
const dataWith = (c: TestChat, prefix: string): string[] => (c.screen()?.buttons.flat() ?? []).map((b) => b.data ?? '').filter((d) => d.startsWith(prefix));

describe('a delivery slot booked, then the confirmation failed', () => {
  it('the same slot press again shows the booking the first run made: one booking, the slot counted once', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_Y);
    await c.press(cb.city.pack({ city: 'shanghai' }));
    await c.press(cb.orderConfirm.pack({}));
    const [order] = await customerOrders(c);
    // Delivery is booked once the car is ready.
    await h.db.sql`update orders set state = 'ready_for_delivery' where id = ${order!.id}`;
    await c.press(cb.bookDelivery.pack({ orderId: order!.id }));
    await c.press(cb.deliveryMethod.pack({ method: 'pickup' }));
    if (dataWith(c, 'day:').length === 0) await c.press(dataWith(c, 'dc:')[0]!);
    await c.press(dataWith(c, 'day:')[0]!);
    const slotData = dataWith(c, 'slot:')[0]!;
    const slotId = Number(slotData.split(':')[1]);
    const [{ booked: before }] = await h.db.sql<[{ booked: number }]>`select booked from slots where id = ${slotId}`;
    const update = pressUpdate(c, slotData);

    h.api.failChat(c.id, SERVER_ERROR);
    await h.deliver(update);
    await firstTryFailed(update);
    h.api.failChat(c.id, null);
    await h.deliver(update);
    await rerunDone(update);

    const rows = await h.db.sql<Array<{ slot_id: number; state: string }>>`select slot_id, state from bookings where order_id = ${order!.id}`;
    expect(rows).toEqual([{ slot_id: slotId, state: 'active' }]);
    const [{ booked: after }] = await h.db.sql<[{ booked: number }]>`select booked from slots where id = ${slotId}`;
    expect(after).toBe(before + 1);
    expect(c.lastText()).toContain(`Booked for order <b>${order!.number}</b>`);
    expect(c.toasts()).not.toContain(t('errors.already_booked'));
  });
});

describe('a store payment recorded, then the receipt failed', () => {
  it('the same successful_payment again sends the receipt, once; the goods are sold once', async () => {
    const c = newChat('en');
    await c.text('/start');
    await c.tap('Store');
    await c.tap('Apparel');
    await c.tap('Tesla cap');
    await c.tap('Add to cart');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    const [{ stock: stockBefore }] = await h.db.sql<
      [{ stock: number }]
    >`select stock from store_variants where id = (select variant_id from store_order_lines order by order_id desc limit 1)`;

    h.api.failChat(c.id, SERVER_ERROR);
    const paid = await payStoreInvoice(c);
    expect(paid.approved).toBe(true);
    await firstTryFailed(paid.update!);
    h.api.failChat(c.id, null);
    await h.deliver(paid.update!);
    await rerunDone(paid.update!);

    const orders = await h.db.sql<Array<{ id: number; state: string }>>`
      select o.id, o.state from store_orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`;
    expect(orders).toEqual([{ id: orders[0]!.id, state: 'paid' }]);
    expect(await h.db.sql`select id from store_payments where order_id = ${orders[0]!.id}`).toHaveLength(1);
    const [{ stock: stockAfter }] = await h.db.sql<
      [{ stock: number }]
    >`select stock from store_variants where id = (select variant_id from store_order_lines where order_id = ${orders[0]!.id})`;
    expect(stockAfter).toBe(stockBefore - 1);
    const receipts = () => h.api.messagesTo(c.id, { delivered: true }).filter((x) => String(x.params.text ?? '').includes('Payment received'));
    expect(receipts()).toHaveLength(1);

    // Told once: the same charge in another update stays silent.
    const again = { ...paid.update!, update_id: nextUpdateId() };
    await h.deliver(again);
    expect(receipts()).toHaveLength(1);
  });
});

describe('a cancel that was done, then its reply failed', () => {
  it('the same confirm press again tells the customer the order is cancelled, not that it cannot be', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_Y);
    await c.press(cb.city.pack({ city: 'shanghai' }));
    await c.press(cb.orderConfirm.pack({}));
    const [order] = await customerOrders(c);
    const update = pressUpdate(c, cb.cancelOrderConfirm.pack({ orderId: order!.id }));

    h.api.failChat(c.id, SERVER_ERROR);
    await h.deliver(update);
    await firstTryFailed(update);
    h.api.failChat(c.id, null);
    const from = h.api.calls.length;
    await h.deliver(update);
    await rerunDone(update);

    expect((await customerOrders(c))[0]!.state).toBe('cancelled');
    expect(await h.db.sql`select id from order_events where order_id = ${order!.id} and to_state = 'cancelled'`).toHaveLength(1);
    const toasts = h.api.calls
      .slice(from)
      .filter((x) => x.method === 'answerCallbackQuery')
      .map((x) => x.params.text);
    expect(toasts).toEqual([t('orders.cancelled', { number: order!.number, deposit: formatCny(order!.deposit_fen, 'en') })]);
  });
});

describe('a booking cancelled, then its reply failed', () => {
  it('the same confirm press again says the booking is cancelled, and the slot is freed once', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_Y);
    await c.press(cb.city.pack({ city: 'shanghai' }));
    await c.press(cb.orderConfirm.pack({}));
    const [order] = await customerOrders(c);
    // Delivery is booked once the car is ready.
    await h.db.sql`update orders set state = 'ready_for_delivery' where id = ${order!.id}`;
    const [slot] = await h.db.sql<Array<{ id: number; centre_id: string }>>`
      select s.id, s.centre_id from slots s join delivery_centres d on d.id = s.centre_id
      where s.kind = 'delivery' and d.city = 'shanghai' and s.starts_at > now() + interval '3 days' and s.booked < s.capacity order by s.starts_at limit 1`;
    const booking = await h.app.deps.services.bookings.book({ orderId: order!.id, kind: 'delivery', method: 'pickup', slotId: slot!.id, centreId: slot!.centre_id });
    const booked = async () => (await h.db.sql<[{ booked: number }]>`select booked from slots where id = ${slot!.id}`)[0].booked;
    const before = await booked();
    await c.press(cb.orderDetail.pack({ orderId: order!.id }));
    const update = pressUpdate(c, cb.cancelBookingConfirm.pack({ bookingId: booking.id }));

    h.api.failChat(c.id, SERVER_ERROR);
    await h.deliver(update);
    await firstTryFailed(update);
    h.api.failChat(c.id, null);
    const from = h.api.calls.length;
    await h.deliver(update);
    await rerunDone(update);

    expect(await h.db.sql`select state from bookings where order_id = ${order!.id}`).toEqual([{ state: 'cancelled' }]);
    expect(await booked()).toBe(before - 1);
    const toasts = h.api.calls
      .slice(from)
      .filter((x) => x.method === 'answerCallbackQuery')
      .map((x) => x.params.text);
    expect(toasts).toEqual([t('booking.cancelled')]);
  });
});

describe('a store checkout whose invoice failed', () => {
  // Guards what already held before issue 10: checkout reuses the open order with the same cart.
  it('the same Checkout press again reuses the order the first run made and sends its invoice', async () => {
    const c = newChat('en');
    await c.text('/start');
    await c.tap('Store');
    await c.tap('Apparel');
    await c.tap('Tesla cap');
    await c.tap('Add to cart');
    await c.tap('Cart (1)');
    h.api.failNext('sendInvoice', SERVER_ERROR);

    await failThenRedeliver(pressUpdate(c, buttonData(c, 'Checkout')));

    const orders = await h.db.sql<Array<{ id: number; state: string }>>`
      select o.id, o.state from store_orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`;
    expect(orders).toEqual([{ id: orders[0]!.id, state: 'pending_payment' }]);
    const invoices = invoicesDelivered(c);
    expect(invoices.map((x) => x.params.payload)).toEqual([`store:${orders[0]!.id}`]);
  });
});
