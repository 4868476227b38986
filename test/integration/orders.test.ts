import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bookings, orderEvents, orders, trims } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import { CatalogService } from '../../src/domain/catalog/service.js';
import { IllegalTransitionError } from '../../src/domain/orders/transitions.js';
import { ForbiddenError, NotFoundError } from '../../src/shared/errors.js';
import type { TestDb } from '../support/db.js';
import { codeOf, futureSlots, lockWaiters, MODEL_S_PLAID, MODEL_Y_RWD, newCustomer, newOrder, paidOrder, rejectionOf, slotById, withTestServices } from './helpers.js';
import { setModelAvailability } from '../../src/domain/catalog/index.js';

let t: TestDb;
let s: Services;

withTestServices((env) => {
  ({ t, s } = env);
});
// The seed pauses Model S: ops open it for the Model S orders here.
beforeAll(async () => {
  await setModelAvailability(t.db, 'model-s', true);
});

const numberOf = (n: string): number => Number(/^TJ(\d+)$/.exec(n)?.[1] ?? NaN);
const eventCount = async (orderId: number) => (await s.orders.events(orderId)).length;

describe('OrderService.create', () => {
  it('with a request key made an order with before, returns that order and writes nothing (a rerun of the same press)', async () => {
    const customer = await newCustomer(s);
    const other = await newCustomer(s);
    const catalog = (await s.catalog.model('model-y'))!;
    const input = { customerId: customer.id, catalog, configuration: MODEL_Y_RWD, contactName: 'Zhang Wei', phone: '13800138000', city: 'shanghai', requestKey: 'k-1' };
    const first = await s.orders.create(input, 'customer:1');
    const again = await s.orders.create(input, 'customer:1');
    expect(again.id).toBe(first.id);
    expect(await eventCount(first.id)).toBe(1);
    // Keys are the customer's own: the same key from another customer is another order.
    const theirs = await s.orders.create({ ...input, customerId: other.id }, 'customer:2');
    expect(theirs.id).not.toBe(first.id);
    // Without a key every call is a new order.
    const { requestKey: _unused, ...unkeyed } = input;
    expect((await s.orders.create(unkeyed, 'customer:1')).id).not.toBe(first.id);
    expect(await t.db.select().from(orders).where(eq(orders.customerId, customer.id))).toHaveLength(2);
  });

  it('freezes the configuration with the prices of the moment', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer, MODEL_S_PLAID, 'beijing');
    expect(order).toMatchObject({
      customerId: customer.id,
      modelId: 'model-s',
      state: 'awaiting_deposit',
      depositFen: 800_000,
      currency: 'CNY',
      city: 'beijing',
      contactName: 'Zhang Wei',
      phone: '13800138000',
    });
    expect(order.snapshot).toMatchObject({
      modelId: 'model-s',
      modelName: 'Model S',
      trim: { id: 'ms-plaid', priceFen: 81_490_000 },
    });
    expect(order.snapshot.options.map((o) => [o.kind, o.id, o.priceFen])).toEqual([
      ['paint', 'ms-paint-red', 2_000_000],
      ['wheels', 'ms-wheels-21', 3_600_000],
      ['interior', 'ms-int-cream', 2_000_000],
    ]);
    expect(order.totalFen).toBe(81_490_000 + 2_000_000 + 3_600_000 + 2_000_000);

    // The list price changes afterwards: the order keeps what the customer agreed to.
    await t.db
      .update(trims)
      .set({ priceFen: sql`${trims.priceFen} + 1000000` })
      .where(eq(trims.id, 'ms-plaid'));
    const reread = await s.orders.byId(order.id);
    expect(reread?.snapshot.trim.priceFen).toBe(81_490_000);
    expect(reread?.totalFen).toBe(order.totalFen);

    // A new order (with a fresh catalog read) gets the new price.
    const fresh = new CatalogService({ db: t.db });
    const cat = await fresh.model('model-s');
    const later = await s.orders.create(
      { customerId: customer.id, catalog: cat!, configuration: MODEL_S_PLAID, contactName: 'Zhang Wei', phone: '13800138000', city: 'beijing' },
      'customer:test',
    );
    expect(later.snapshot.trim.priceFen).toBe(82_490_000);
    expect(later.totalFen).toBe(order.totalFen + 1_000_000);
    expect((await s.orders.byId(order.id))?.snapshot.trim.priceFen).toBe(81_490_000);
  });

  it('gives human-readable numbers, unique and increasing', async () => {
    const customer = await newCustomer(s);
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await newOrder(s, customer));
    const numbers = sequential.map((o) => o.number);
    for (const n of numbers) expect(n).toMatch(/^TJ\d{6,}$/);
    const values = numbers.map(numberOf);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    expect(values[0]!).toBeGreaterThanOrEqual(100_001);

    const concurrent = await Promise.all(Array.from({ length: 20 }, () => newOrder(s, customer)));
    const all = [...numbers, ...concurrent.map((o) => o.number)];
    expect(new Set(all).size).toBe(all.length);
    // A later order never gets a smaller number.
    expect(Math.min(...concurrent.map((o) => numberOf(o.number)))).toBeGreaterThan(values[values.length - 1]!);
  });

  it('writes the audit event null → awaiting_deposit', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    const events = await s.orders.events(order.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ orderId: order.id, fromState: null, toState: 'awaiting_deposit', actor: `customer:${customer.telegramId}` });
  });

  it('refuses an incomplete or mismatched configuration and writes nothing', async () => {
    const customer = await newCustomer(s);
    const catalog = await s.catalog.model('model-y');
    const before = (await t.db.select({ n: sql<number>`count(*)::int` }).from(orders))[0]!.n;
    const base = { customerId: customer.id, catalog: catalog!, contactName: 'A', phone: '13800138000', city: 'shanghai' };
    for (const configuration of [
      { modelId: 'model-y', trimId: 'my-rwd' },
      { ...MODEL_Y_RWD, wheelsId: 'my-wheels-21' }, // Performance-only wheels on RWD
      { ...MODEL_Y_RWD, paintId: 'm3-paint-red' }, // another model's paint
      { ...MODEL_Y_RWD, modelId: 'model-3' },
    ]) {
      expect(codeOf(await rejectionOf(s.orders.create({ ...base, configuration }, 'customer:x')))).toBe('invalid_configuration');
    }
    expect((await t.db.select({ n: sql<number>`count(*)::int` }).from(orders))[0]!.n).toBe(before);
  });
});

describe('OrderService.transition', () => {
  it('follows the table, writing one audit event per move', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    const paid = await s.orders.transition(order.id, 'deposit_paid', 'system', { note: 'charge-1' });
    expect(paid.state).toBe('deposit_paid');
    expect(paid.updatedAt.getTime()).toBeGreaterThanOrEqual(order.updatedAt.getTime());
    await s.orders.transition(order.id, 'vehicle_allocated', 'staff:7');
    const events = await s.orders.events(order.id);
    expect(events.map((e) => [e.fromState, e.toState, e.actor, e.note])).toEqual([
      [null, 'awaiting_deposit', `customer:${customer.telegramId}`, null],
      ['awaiting_deposit', 'deposit_paid', 'system', 'charge-1'],
      ['deposit_paid', 'vehicle_allocated', 'staff:7', null],
    ]);
  });

  it('refuses illegal moves and writes nothing', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    for (const to of ['delivered', 'refunded', 'vehicle_allocated', 'awaiting_deposit', 'refund_requested'] as const) {
      const err = await rejectionOf(s.orders.transition(order.id, to, 'system'));
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect(err).toMatchObject({ code: 'illegal_transition', from: 'awaiting_deposit', to });
    }
    await s.orders.transition(order.id, 'cancelled', 'system');
    // A terminal state goes nowhere.
    expect(codeOf(await rejectionOf(s.orders.transition(order.id, 'deposit_paid', 'system')))).toBe('illegal_transition');
    const row = await s.orders.byId(order.id);
    expect(row?.state).toBe('cancelled');
    expect(await eventCount(order.id)).toBe(2);

    expect(await rejectionOf(s.orders.transition(2_000_000_000, 'cancelled', 'system'))).toBeInstanceOf(NotFoundError);
  });

  it('refuses a move when the order is no longer in an expected state (order_state_changed)', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    const err = await rejectionOf(s.orders.transition(order.id, 'vehicle_allocated', 'staff:1', { expectFrom: ['deposit_paid'] }));
    expect(codeOf(err)).toBe('order_state_changed');
    expect((await s.orders.byId(order.id))?.state).toBe('awaiting_deposit');
    expect(await eventCount(order.id)).toBe(1);
  });

  it('lets exactly one of several concurrent transitions from the same state win', async () => {
    for (let round = 0; round < 5; round++) {
      const customer = await newCustomer(s);
      const order = await newOrder(s, customer);
      const targets = ['deposit_paid', 'cancelled', 'expired', 'deposit_paid', 'cancelled'] as const;
      const results = await Promise.allSettled(targets.map((to) => s.orders.transition(order.id, to, `system:${to}`)));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(codeOf(r.reason)).toBe('illegal_transition');
      const winner = (won[0] as PromiseFulfilledResult<{ state: string }>).value.state;
      expect((await s.orders.byId(order.id))?.state).toBe(winner);
      const events = await s.orders.events(order.id);
      expect(events.map((e) => [e.fromState, e.toState])).toEqual([
        [null, 'awaiting_deposit'],
        ['awaiting_deposit', winner],
      ]);
    }
  });

  it('serializes on the row lock: transitions queued behind another transaction re-check the state', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    // Another transaction holds the row: both transitions must wait for it, then run one at a time,
    // each seeing the state the other left (a plain read would let both pass the check).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.sql.begin(async (tx) => {
      await tx`select id from orders where id = ${order.id} for update`;
      locked();
      await gate;
    });
    await isLocked;
    const racing = Promise.allSettled([s.orders.transition(order.id, 'deposit_paid', 'system:a'), s.orders.transition(order.id, 'deposit_paid', 'system:b')]);
    await lockWaiters(t, 2);
    release();
    await holder;
    const results = await racing;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'illegal_transition', from: 'deposit_paid', to: 'deposit_paid' });
    expect((await s.orders.events(order.id)).filter((e) => e.toState === 'deposit_paid')).toHaveLength(1);
  });
});

describe('OrderService.cancelByCustomer', () => {
  it('cancels an unpaid order', async () => {
    const customer = await newCustomer(s);
    const order = await newOrder(s, customer);
    const cancelled = await s.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    expect(cancelled.state).toBe('cancelled');
    const events = await s.orders.events(order.id);
    expect(events.at(-1)).toMatchObject({ fromState: 'awaiting_deposit', toState: 'cancelled', actor: `customer:${customer.telegramId}` });
    // Cancelling again is refused.
    expect(codeOf(await rejectionOf(s.orders.cancelByCustomer(order.id, customer.id, 'customer:x')))).toBe('order_not_cancellable');
    expect(await eventCount(order.id)).toBe(2);
  });

  it('turns a paid order into refund_requested and releases its bookings', async () => {
    const { customer, order } = await paidOrder(s);
    const [delivery] = await futureSlots(t.db, 'delivery', 'sh-lingang');
    const [installation] = await futureSlots(t.db, 'installation', 'sh-lingang');
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: delivery!.id, centreId: 'sh-lingang', method: 'home' });
    await s.bookings.book({ orderId: order.id, kind: 'installation', slotId: installation!.id, centreId: 'sh-lingang', permission: true });
    // Someone else's booking on the same slot stays.
    const other = await paidOrder(s);
    await s.bookings.book({ orderId: other.order.id, kind: 'delivery', slotId: delivery!.id, centreId: 'sh-lingang' });
    expect((await slotById(t.db, delivery!.id)).booked).toBe(2);
    expect((await slotById(t.db, installation!.id)).booked).toBe(1);

    const updated = await s.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    expect(updated.state).toBe('refund_requested');
    expect((await slotById(t.db, delivery!.id)).booked).toBe(1);
    expect((await slotById(t.db, installation!.id)).booked).toBe(0);
    const rows = await t.db.select().from(bookings).where(eq(bookings.orderId, order.id));
    expect(rows.map((r) => r.state)).toEqual(['cancelled', 'cancelled']);
    expect(await s.bookings.activeFor([other.order.id])).toHaveLength(1);
    const trail = await s.orders.events(order.id);
    expect(trail.filter((e) => e.subject === 'order').at(-1)).toMatchObject({ fromState: 'deposit_paid', toState: 'refund_requested' });
    expect(trail.filter((e) => e.subject === 'installation').at(-1)).toMatchObject({ fromState: 'scheduled', toState: 'cancelled' });
  });

  it("refuses another customer's order and changes nothing", async () => {
    const { order } = await paidOrder(s);
    const intruder = await newCustomer(s);
    expect(await rejectionOf(s.orders.cancelByCustomer(order.id, intruder.id, 'customer:x'))).toBeInstanceOf(ForbiddenError);
    expect(await rejectionOf(s.orders.cancelByCustomer(2_000_000_000, intruder.id, 'customer:x'))).toBeInstanceOf(NotFoundError);
    expect((await s.orders.byId(order.id))?.state).toBe('deposit_paid');
    const events = await t.db.select().from(orderEvents).where(eq(orderEvents.orderId, order.id));
    expect(events).toHaveLength(2);
  });

  it('listForCustomer and forCustomer only show the owner their orders', async () => {
    const a = await newCustomer(s);
    const b = await newCustomer(s);
    const o1 = await newOrder(s, a);
    const o2 = await newOrder(s, a);
    await newOrder(s, b);
    expect((await s.orders.listForCustomer(a.id)).map((o) => o.id)).toEqual([o2.id, o1.id]);
    expect((await s.orders.forCustomer(o1.id, a.id)).id).toBe(o1.id);
    expect(await rejectionOf(s.orders.forCustomer(o1.id, b.id))).toBeInstanceOf(ForbiddenError);
  });
});

describe('orders CHECK constraint', () => {
  it('refuses a state the lifecycle does not know, at the SQL level', async () => {
    const order = await newOrder(s, await newCustomer(s));
    const bad = (await rejectionOf(t.sql`update orders set state = 'shipped' where id = ${order.id}`)) as { code?: string; constraint_name?: string };
    expect(bad.code).toBe('23514');
    expect(bad.constraint_name).toBe('orders_state');
    expect((await s.orders.byId(order.id))?.state).toBe('awaiting_deposit');
  });
});
