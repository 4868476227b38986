/**
 * The producer side: each domain event queues, moves or removes the right BullMQ jobs, with their
 * ids and delays. No worker runs here, so every job stays where the scheduler put it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/db/schema/index.js';
import { depositPayload } from '../../src/domain/payments/service.js';
import { createTestDb, dropPrefix, REDIS_URL, type TestDb } from '../support/db.js';
import { createProducer, TestClock, testConfig, uniquePrefix, type Producer } from '../support/reminders.js';
import { futureSlots, newCustomer, newOrder, paidOrder } from './helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

let t: TestDb;
let p: Producer;
const prefix = uniquePrefix();
const clock = new TestClock();

beforeAll(async () => {
  t = await createTestDb();
  // 11:00 in Shanghai: nothing the tests plan falls into quiet hours.
  clock.setShanghai(11);
  p = createProducer(t, testConfig(t, REDIS_URL, prefix, null), clock);
});

afterAll(async () => {
  await p?.close();
  await t?.drop();
  await dropPrefix(REDIS_URL, prefix);
});

/** The job's state, due time and delay, or null when there is no such job. */
async function job(id: string) {
  const j = await p.queue.getJob(id);
  if (!j) return null;
  return { state: await j.getState(), dueAt: j.data.dueAt, delay: j.delay, timestamp: j.timestamp, data: j.data };
}

/** Asserts a delayed job due `dueAt` whose BullMQ delay (real ms) matches it on the app clock. */
async function expectDelayed(id: string, dueAt: number, toleranceMs = 2_000) {
  const j = await job(id);
  expect(j, id).not.toBeNull();
  expect(j!.state).toBe('delayed');
  expect(Math.abs(j!.dueAt - dueAt), `${id} due`).toBeLessThan(toleranceMs);
  // The real instant BullMQ fires it at, mapped to the app clock, is the due time.
  expect(Math.abs(j!.timestamp + j!.delay + clock.offsetMs - j!.dueAt), `${id} delay`).toBeLessThan(50);
}

const depositIds = (o: Order) => [`reminder-deposit-${o.id}-t30m`, `reminder-deposit-${o.id}-t24h`, `expire-order-${o.id}-t72h`];

describe('deposit reminders', () => {
  it('a new order queues reminders at 30 min and 24 h and its expiry at 72 h', async () => {
    const t0 = clock.now().getTime();
    const order = await newOrder(p.services, await newCustomer(p.services));
    await expectDelayed(`reminder-deposit-${order.id}-t30m`, t0 + 30 * MIN);
    await expectDelayed(`reminder-deposit-${order.id}-t24h`, t0 + 24 * HOUR);
    await expectDelayed(`expire-order-${order.id}-t72h`, t0 + 72 * HOUR);
    expect((await job(`reminder-deposit-${order.id}-t30m`))!.data).toMatchObject({ kind: 'deposit', orderId: order.id, step: 't30m' });
  });

  it('paying the deposit removes the reminders and the expiry', async () => {
    const customer = await newCustomer(p.services);
    const order = await newOrder(p.services, customer);
    for (const id of depositIds(order)) expect(await job(id)).not.toBeNull();
    const paid = await p.services.payments.recordDeposit({
      payload: depositPayload(order.id),
      currency: 'CNY',
      totalAmount: order.depositFen,
      payerTelegramId: customer.telegramId,
      telegramChargeId: `charge-${order.id}`,
      providerChargeId: `prov-${order.id}`,
    });
    expect(paid.status).toBe('recorded');
    for (const id of depositIds(order)) expect(await job(id), id).toBeNull();
  });

  it('cancelling the order removes them too', async () => {
    const customer = await newCustomer(p.services);
    const order = await newOrder(p.services, customer);
    await p.services.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    for (const id of depositIds(order)) expect(await job(id), id).toBeNull();
  });

  it('the same event twice queues each reminder once (BullMQ keeps the first job)', async () => {
    const order = await newOrder(p.services, await newCustomer(p.services));
    const before = await job(`reminder-deposit-${order.id}-t30m`);
    await p.scheduler.orderCreated(order);
    await p.scheduler.orderCreated(order);
    const after = await job(`reminder-deposit-${order.id}-t30m`);
    expect(after!.timestamp).toBe(before!.timestamp);
    const delayed = await p.queue.getDelayed(0, -1);
    expect(delayed.filter((j) => j.id === `reminder-deposit-${order.id}-t30m`)).toHaveLength(1);
  });
});

describe('booking reminders', () => {
  const threeDaysOut = () => new Date(clock.now().getTime() + 3 * 24 * HOUR);

  it('a delivery slot queues reminders 24 h and 2 h before; rescheduling moves them; cancelling removes them', async () => {
    const { customer, order } = await paidOrder(p.services);
    const [first, , , , second] = await futureSlots(t.db, 'delivery', 'sh-lingang', threeDaysOut());
    const b1 = await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: first!.id, centreId: 'sh-lingang', method: 'pickup' });
    await expectDelayed(`reminder-delivery-${b1.id}-t24h`, first!.startsAt.getTime() - 24 * HOUR, 1);
    await expectDelayed(`reminder-delivery-${b1.id}-t2h`, first!.startsAt.getTime() - 2 * HOUR, 1);

    const b2 = await p.services.bookings.book({
      orderId: order.id,
      kind: 'delivery',
      slotId: second!.id,
      centreId: 'sh-lingang',
      method: 'pickup',
      replaces: b1.id,
    });
    expect(await job(`reminder-delivery-${b1.id}-t24h`)).toBeNull();
    expect(await job(`reminder-delivery-${b1.id}-t2h`)).toBeNull();
    await expectDelayed(`reminder-delivery-${b2.id}-t24h`, second!.startsAt.getTime() - 24 * HOUR, 1);
    await expectDelayed(`reminder-delivery-${b2.id}-t2h`, second!.startsAt.getTime() - 2 * HOUR, 1);

    await p.services.bookings.cancel(b2.id, customer.id);
    expect(await job(`reminder-delivery-${b2.id}-t24h`)).toBeNull();
    expect(await job(`reminder-delivery-${b2.id}-t2h`)).toBeNull();
  });

  it('an installation slot queues a reminder 24 h before; cancelling the order removes it', async () => {
    const { customer, order } = await paidOrder(p.services);
    const [slot] = await futureSlots(t.db, 'installation', 'sh-lingang', threeDaysOut());
    const b = await p.services.bookings.book({
      orderId: order.id,
      kind: 'installation',
      slotId: slot!.id,
      centreId: 'sh-lingang',
      address: 'Room 1201, 88 Century Avenue',
      parking: 'garage',
      permission: true,
    });
    await expectDelayed(`reminder-installation-${b.id}-t24h`, slot!.startsAt.getTime() - 24 * HOUR, 1);
    await p.services.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    expect(await job(`reminder-installation-${b.id}-t24h`)).toBeNull();
  });
});

describe('notices of state changes', () => {
  it('allocation, readiness and delivery queue a notice each (due now); delivery also the 3-day check-in', async () => {
    const { order } = await paidOrder(p.services);
    await p.services.fulfilment.allocate(order.id, 'LRWYGCEK1PC000001', 'staff:1');
    expect((await job(`notify-order-${order.id}-vehicle_allocated`))!.state).toBe('waiting');
    await p.services.fulfilment.markReady(order.id, 'staff:1');
    expect((await job(`notify-order-${order.id}-ready_for_delivery`))!.state).toBe('waiting');
    const [slot] = await futureSlots(t.db, 'delivery', 'gz-panyu', new Date(clock.now().getTime() + 3 * HOUR));
    await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'gz-panyu', method: 'pickup' });
    const t0 = clock.now().getTime();
    await p.services.fulfilment.markDelivered(order.id, 'staff:1');
    expect((await job(`notify-order-${order.id}-delivered`))!.state).toBe('waiting');
    const checkin = await job(`checkin-${order.id}-d3`);
    expect(checkin!.state).toBe('delayed');
    // 3 days after the handover; an 11:00 handover is not in quiet hours three days later either.
    expect(Math.abs(checkin!.dueAt - (t0 + 72 * HOUR))).toBeLessThan(2_000);
  });
});
