/**
 * The worker side: a reminder that fires re-checks the database and does nothing when its reason
 * is gone, holds back in quiet hours, and sends in the customer's language. Jobs are due hours
 * ahead; `promote()` makes one due now, as the passing of time would.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { customers, orders, type Customer } from '../../src/db/schema/index.js';
import type { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { callbackDataIn } from '../support/chat.js';
import type { TestDb } from '../support/db.js';
import { fire as fireJob, sentTo, settled, shanghaiHour, startReminderBed, stopReminderBed, TestClock, uniquePrefix, type Producer } from '../support/reminders.js';
import { waitFor } from '../support/wait.js';
import { freshTelegramId, futureSlots, newOrder, paidOrder } from './helpers.js';

let t: TestDb;
let api: BotApiStandIn;
let p: Producer;
let worker: App;
const prefix = uniquePrefix();
const clock = new TestClock();

beforeAll(async () => {
  clock.setShanghai(11);
  ({ t, api, p, worker } = await startReminderBed(prefix, clock));
});

afterAll(async () => {
  await stopReminderBed({ worker, p, api, t }, prefix);
});

const english = (): Promise<Customer> => p.services.customers.touch({ id: freshTelegramId(), first_name: 'Amy', language_code: 'en' });
const chinese = (): Promise<Customer> => p.services.customers.touch({ id: freshTelegramId(), first_name: 'Wei', language_code: 'zh-hans' });

/** Makes a queued job due now and waits for the worker to finish it; returns its outcome. */
const fire = (id: string) => fireJob(p.queue, id);

describe('deposit reminders and expiry', () => {
  it('an unpaid order: the reminder is sent in the customer’s language with a Pay button', async () => {
    const zh = await chinese();
    const order = await newOrder(p.services, zh);
    expect(await fire(`reminder-deposit-${order.id}-t30m`)).toBe('sent');
    const [msg] = sentTo(api, zh.telegramId);
    expect(msg!.params.text).toContain(order.number);
    expect(msg!.params.text).toMatch(/订金/);
    expect(callbackDataIn(msg!)).toContain(`pay:${order.id}`);
  });

  it('a paid order: the reminder and the expiry do nothing (their removal was missed)', async () => {
    const en = await english();
    const order = await newOrder(p.services, en);
    // Paid through services without events: the jobs stay queued, as if removing them had failed.
    await p.quiet.orders.transition(order.id, 'deposit_paid', 'system');
    expect(await fire(`reminder-deposit-${order.id}-t24h`)).toBe('skipped:order_paid_or_closed');
    expect(await fire(`expire-order-${order.id}-t72h`)).toBe('skipped:order_paid_or_closed');
    expect((await p.services.orders.byId(order.id))!.state).toBe('deposit_paid');
    expect(sentTo(api, en.telegramId)).toHaveLength(0);
  });

  it('72 h unpaid: the order expires and the customer is told', async () => {
    const en = await english();
    const order = await newOrder(p.services, en);
    expect(await fire(`expire-order-${order.id}-t72h`)).toBe('expired');
    expect((await p.services.orders.byId(order.id))!.state).toBe('expired');
    expect(await p.queue.getJob(`reminder-deposit-${order.id}-t24h`)).toBeUndefined();
    expect((await settled(p.queue, `notify-order-${order.id}-expired`)).returnvalue).toBe('sent');
    const [msg] = sentTo(api, en.telegramId);
    expect(msg!.params.text).toMatch(/has expired/);
    const events = await p.services.orders.events(order.id);
    expect(events.at(-1)).toMatchObject({ fromState: 'awaiting_deposit', toState: 'expired', actor: 'system' });
  });
});

/** Delivery is booked once the car is ready: a paid order moved on as ops would (VIN, ready). */
async function readyForDelivery(orderId: number) {
  await p.quiet.orders.transition(orderId, 'vehicle_allocated', 'system', { set: { vin: `LRWYGCEK1PC${String(orderId).padStart(6, '0')}` } });
  await p.quiet.orders.transition(orderId, 'ready_for_delivery', 'system');
}

describe('delivery reminders', () => {
  const book = async (orderId: number, centreId = 'sh-lingang') => {
    await readyForDelivery(orderId);
    const [slot] = await futureSlots(t.db, 'delivery', centreId, new Date(clock.now().getTime() + 3 * 86_400_000));
    return p.services.bookings.book({ orderId, kind: 'delivery', slotId: slot!.id, centreId, method: 'pickup' });
  };

  it('a live booking: where, when and what to bring', async () => {
    const { customer, order } = await paidOrder(p.services);
    const b = await book(order.id);
    expect(await fire(`reminder-delivery-${b.id}-t24h`)).toBe('sent');
    const [msg] = sentTo(api, customer.telegramId);
    expect(msg!.params.text).toMatch(/临港/);
    expect(msg!.params.text).toMatch(/身份证[\s\S]*驾驶证[\s\S]*尾款/);
  });

  it('a cancelled, a replaced, and a refunded order’s booking: nothing is sent', async () => {
    const a = await paidOrder(p.services);
    const cancelled = await book(a.order.id);
    await p.quiet.bookings.cancel(cancelled.id, a.customer.id);
    expect(await fire(`reminder-delivery-${cancelled.id}-t24h`)).toBe('skipped:booking_cancelled');

    const b = await paidOrder(p.services);
    const replaced = await book(b.order.id);
    const [other] = (await futureSlots(t.db, 'delivery', 'sh-lingang', new Date(clock.now().getTime() + 5 * 86_400_000))).slice(-1);
    await p.quiet.bookings.book({ orderId: b.order.id, kind: 'delivery', slotId: other!.id, centreId: 'sh-lingang', method: 'pickup', replaces: replaced.id });
    expect(await fire(`reminder-delivery-${replaced.id}-t2h`)).toBe('skipped:booking_cancelled');

    const c = await paidOrder(p.services);
    const refunded = await book(c.order.id, 'bj-yizhuang');
    await p.quiet.orders.cancelByCustomer(c.order.id, c.customer.id, 'customer:test');
    expect(await fire(`reminder-delivery-${refunded.id}-t24h`)).toBe('skipped:booking_cancelled');

    for (const x of [a, b, c]) expect(sentTo(api, x.customer.telegramId)).toHaveLength(0);
  });
});

describe('at firing time', () => {
  it('in quiet hours a reminder is put back until 08:00; the 2-hour delivery reminder goes anyway', async () => {
    const { customer, order } = await paidOrder(p.services);
    await readyForDelivery(order.id);
    const [slot] = await futureSlots(t.db, 'delivery', 'cd-gaoxin', new Date(clock.now().getTime() + 3 * 86_400_000));
    const b = await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'cd-gaoxin', method: 'pickup' });
    const saved = clock.offsetMs;
    clock.setShanghai(23, 30);
    try {
      expect(shanghaiHour(clock.now())).toBe(23);
      const job = (await p.queue.getJob(`reminder-delivery-${b.id}-t24h`))!;
      await job.promote();
      // Back to delayed, due 8.5 hours of app time later (08:00), and nothing sent.
      await waitFor('the job to be put back to delayed', async () => (await job.getState()) === 'delayed', { timeoutMs: 5_000 });
      const again = (await p.queue.getJob(job.id!))!;
      expect(await again.getState()).toBe('delayed');
      // The delayed set's score is the real ms it fires at (× 0x1000); on the app clock, 08:00.
      const score = Number(await (await p.queue.client).zscore(p.queue.toKey('delayed'), job.id!));
      const firesAt = Math.floor(score / 0x1000) + clock.offsetMs;
      expect(shanghaiHour(new Date(firesAt))).toBe(8);
      expect(Math.abs(firesAt - clock.now().getTime() - 8.5 * 3_600_000)).toBeLessThan(60_000);
      expect(sentTo(api, customer.telegramId)).toHaveLength(0);

      expect(await fire(`reminder-delivery-${b.id}-t2h`)).toBe('sent');
      expect(sentTo(api, customer.telegramId)).toHaveLength(1);
    } finally {
      clock.offsetMs = saved;
    }
  });

  it('a customer who blocked the bot is marked, and the job is not retried', async () => {
    const zh = await chinese();
    const order = await newOrder(p.services, zh);
    api.blockChat(zh.telegramId);
    expect(await fire(`reminder-deposit-${order.id}-t30m`)).toBe('unreachable');
    const [row] = await t.db.select().from(customers).where(eq(customers.id, zh.id));
    expect(row!.blocked).toBe(true);
    // Marked blocked: later reminders are not even tried.
    expect(await fire(`reminder-deposit-${order.id}-t24h`)).toBe('skipped:blocked');
    api.unblockChat(zh.telegramId);
  });

  it('a 429 pauses the queue for retry_after and the reminder then goes out once', async () => {
    const en = await english();
    const order = await newOrder(p.services, en);
    api.failNext('sendMessage', { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    const started = Date.now();
    expect(await fire(`reminder-deposit-${order.id}-t30m`)).toBe('sent');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(sentTo(api, en.telegramId)).toHaveLength(1);
  });

  it('the check-in does nothing once the customer has rated the delivery', async () => {
    const { order } = await paidOrder(p.services);
    await p.services.fulfilment.allocate(order.id, 'LRWYGCEK1PC000077', 'staff:1');
    await p.services.fulfilment.markReady(order.id, 'staff:1');
    const [slot] = await futureSlots(t.db, 'delivery', 'hz-xiaoshan', new Date(clock.now().getTime() + 3 * 3_600_000));
    await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'hz-xiaoshan', method: 'pickup' });
    await p.services.fulfilment.markDelivered(order.id, 'staff:1');
    await p.services.feedback.recordCheckin(order.id, 5);
    expect(await fire(`checkin-${order.id}-d3`)).toBe('skipped:already_rated');
    const [row] = await t.db.select().from(orders).where(eq(orders.id, order.id));
    expect(row!.state).toBe('delivered');
  });
});
