/**
 * The 24-hours-before reminder of a store order's charger installation (a Wall Connector bought in
 * the store, installed without a car order): queued when the slot is booked, moved on reschedule,
 * removed on cancel; when it fires it re-checks the database and is sent in the customer's
 * language with the store order's button, or skipped when its reason is gone. Real Postgres and
 * Redis, the reminders worker against the Bot API stand-in.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { installations, storeOrders } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import type { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { callbackDataIn } from '../support/chat.js';
import type { TestDb } from '../support/db.js';
import { fire as fireJob, sentTo, startReminderBed, stopReminderBed, TestClock, uniquePrefix, type Producer } from '../support/reminders.js';
import { boughtWallConnector, futureSlots } from './helpers.js';

const HOUR = 3_600_000;

let t: TestDb;
let api: BotApiStandIn;
let p: Producer;
let worker: App;
const prefix = uniquePrefix();
const clock = new TestClock();

beforeAll(async () => {
  // 11:00 in Shanghai: nothing planned here falls into quiet hours.
  clock.setShanghai(11);
  ({ t, api, p, worker } = await startReminderBed(prefix, clock));
});

afterAll(async () => {
  await stopReminderBed({ worker, p, api, t }, prefix);
});

const threeDaysOut = () => new Date(clock.now().getTime() + 3 * 24 * HOUR);

/** `n` slots with room, at distinct times (so a reschedule visibly moves the reminder). */
async function slots(n: number) {
  const found = (await futureSlots(t.db, 'installation', 'sh-lingang', threeDaysOut())).filter((s) => s.booked < s.capacity);
  const distinct = found.filter((s, i) => found.findIndex((x) => x.startsAt.getTime() === s.startsAt.getTime()) === i);
  return distinct.slice(0, n);
}

const book = (s: Services, storeOrderId: number, slotId: number, replaces?: number) =>
  s.bookings.book({
    storeOrderId,
    kind: 'installation',
    slotId,
    centreId: 'sh-lingang',
    address: 'Tomson Riviera B2-117',
    parking: 'assigned',
    permission: true,
    replaces,
    actor: 'customer:test',
  });

const reminderOf = (bookingId: number) => `reminder-store-installation-${bookingId}-t24h`;

async function job(id: string) {
  const j = await p.queue.getJob(id);
  if (!j) return null;
  return { state: await p.queue.getJobState(id), dueAt: j.data.dueAt, data: j.data };
}

/** Makes a queued job due now and waits for the worker to finish it; returns its outcome. */
const fire = (id: string) => fireJob(p.queue, id);

describe('queueing a store order’s installation reminder', () => {
  it('24 h before the slot; a reschedule moves it; cancelling removes it', async () => {
    const { customer, storeOrderId } = await boughtWallConnector(p.services, 'en');
    const [first, second] = await slots(2);
    const b1 = await book(p.services, storeOrderId, first!.id);
    const queued = await job(reminderOf(b1.id));
    expect(queued).toMatchObject({ state: 'delayed', data: { kind: 'store-installation', bookingId: b1.id } });
    expect(queued!.dueAt).toBe(first!.startsAt.getTime() - 24 * HOUR);
    // Not the car-order kind, which could not find the store order when it fired.
    expect(await job(`reminder-installation-${b1.id}-t24h`)).toBeNull();

    const b2 = await book(p.services, storeOrderId, second!.id, b1.id);
    expect(await job(reminderOf(b1.id))).toBeNull();
    expect((await job(reminderOf(b2.id)))!.dueAt).toBe(second!.startsAt.getTime() - 24 * HOUR);

    await p.services.bookings.cancel(b2.id, customer.id);
    expect(await job(reminderOf(b2.id))).toBeNull();
  });
});

describe('a store order’s installation reminder firing', () => {
  it('is sent in the customer’s language: when, where, what the installer needs, and the store order’s button', async () => {
    const en = await boughtWallConnector(p.services, 'en');
    const [slot] = await slots(1);
    const b = await book(p.services, en.storeOrderId, slot!.id);
    expect(await fire(reminderOf(b.id))).toBe('sent');
    const [msg] = sentTo(api, en.customer.telegramId);
    const text = String(msg!.params.text);
    expect(text).toContain(`Your Wall Connector installation is tomorrow</b> (store order ${en.number})`);
    expect(text).toContain('Tomson Riviera B2-117');
    expect(text).toContain('Assigned space in a residential car park');
    // The slot's local time in Shanghai (slots are 09:00 or 13:00 there).
    expect(text).toMatch(/(09:00|13:00)–/);
    expect(callbackDataIn(msg!)).toEqual([`sho:${en.storeOrderId}`]);

    const zh = await boughtWallConnector(p.services, 'zh-hans');
    const b2 = await book(p.services, zh.storeOrderId, slot!.id);
    expect(await fire(reminderOf(b2.id))).toBe('sent');
    const [zhMsg] = sentTo(api, zh.customer.telegramId);
    expect(String(zhMsg!.params.text)).toContain(`您的家用充电桩明天安装</b>（商城订单 ${zh.number}）`);
  });

  it('re-checks when it fires: a booking cancelled, an installation done, an order refunded, a blocked customer get nothing', async () => {
    // Cancelled without the scheduler hearing of it: the job stayed, as if its removal had failed.
    const a = await boughtWallConnector(p.services, 'en');
    const ba = await book(p.services, a.storeOrderId, (await slots(1))[0]!.id);
    await p.quiet.bookings.cancel(ba.id, a.customer.id);
    expect(await fire(reminderOf(ba.id))).toBe('skipped:booking_cancelled');

    const b = await boughtWallConnector(p.services, 'en');
    const bb = await book(p.services, b.storeOrderId, (await slots(1))[0]!.id);
    const [inst] = await t.db.select().from(installations).where(eq(installations.storeOrderId, b.storeOrderId));
    await p.quiet.fulfilment.markInstalled(inst!.id, 'staff:1');
    expect(await fire(reminderOf(bb.id))).toBe('skipped:installation_not_scheduled');

    const c = await boughtWallConnector(p.services, 'en');
    const bc = await book(p.services, c.storeOrderId, (await slots(1))[0]!.id);
    await t.db.update(storeOrders).set({ state: 'refunded' }).where(eq(storeOrders.id, c.storeOrderId));
    expect(await fire(reminderOf(bc.id))).toBe('skipped:order_moved_on');

    const d = await boughtWallConnector(p.services, 'en');
    const bd = await book(p.services, d.storeOrderId, (await slots(1))[0]!.id);
    await p.services.customers.markBlocked(d.customer.telegramId);
    expect(await fire(reminderOf(bd.id))).toBe('skipped:blocked');

    for (const who of [a, b, c, d]) expect(sentTo(api, who.customer.telegramId)).toHaveLength(0);
  });
});
