import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { orderEvents, payments, type Customer, type Order } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import { depositPayload, parseDepositPayload, type PaymentFacts } from '../../src/domain/payments/service.js';
import type { TestDb } from '../support/db.js';
import { lockWaiters, MODEL_S_PLAID, newCustomer, newOrder, withTestServices } from './helpers.js';
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

const factsFor = (order: Order, customer: Customer): PaymentFacts => ({
  payload: depositPayload(order.id),
  currency: 'CNY',
  totalAmount: order.depositFen,
  payerTelegramId: customer.telegramId,
});

let charge = 0;
const chargeIds = () => {
  charge += 1;
  return { telegramChargeId: `tg-charge-${charge}-${Date.now()}`, providerChargeId: `provider-${charge}` };
};

async function unpaid(configuration = MODEL_S_PLAID) {
  const customer = await newCustomer(s);
  const order = await newOrder(s, customer, configuration);
  return { customer, order };
}

/** The driver's error behind drizzle's DrizzleQueryError wrapper, for readable failures. */
const describeError = (err: unknown): string => {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause ? `${cause.code ?? ''} ${cause.message ?? ''}`.trim() : String(err);
};

const paymentsFor = (orderId: number) => t.db.select().from(payments).where(eq(payments.orderId, orderId));
const paidEvents = (orderId: number) =>
  t.db
    .select()
    .from(orderEvents)
    .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.toState, 'deposit_paid')));

describe('payload codec', () => {
  it('round-trips and rejects anything else', () => {
    expect(depositPayload(42)).toBe('deposit:42');
    expect(parseDepositPayload('deposit:42')).toBe(42);
    for (const bad of ['', 'deposit:', 'deposit:abc', 'deposit:-1', 'deposit:1 ', ' deposit:1', 'deposit:1:2', 'store:1', 'deposit:12345678901']) {
      expect(parseDepositPayload(bad)).toBeNull();
    }
  });
});

describe('PaymentService.checkDeposit', () => {
  it('accepts the right payer, currency and amount for an order awaiting its deposit', async () => {
    const { customer, order } = await unpaid();
    expect(order.depositFen).toBe(800_000);
    const result = await s.payments.checkDeposit(factsFor(order, customer));
    expect(result).toMatchObject({ ok: true, order: { id: order.id, state: 'awaiting_deposit' } });
  });

  it('refuses unknown orders and garbage payloads (order_not_found)', async () => {
    const { customer, order } = await unpaid();
    const base = factsFor(order, customer);
    expect(await s.payments.checkDeposit({ ...base, payload: depositPayload(2_000_000_000) })).toEqual({ ok: false, reason: 'order_not_found' });
    for (const payload of ['', 'garbage', `deposit:${order.id}x`, `deposit: ${order.id}`, `store:${order.id}`, `deposit:${order.id}:1`]) {
      expect(await s.payments.checkDeposit({ ...base, payload })).toEqual({ ok: false, reason: 'order_not_found' });
    }
  });

  it("refuses another payer's attempt (not_your_order)", async () => {
    const { customer, order } = await unpaid();
    const stranger = await newCustomer(s);
    expect(await s.payments.checkDeposit({ ...factsFor(order, customer), payerTelegramId: stranger.telegramId })).toEqual({
      ok: false,
      reason: 'not_your_order',
    });
    // Someone never seen by the bot is refused too.
    expect(await s.payments.checkDeposit({ ...factsFor(order, customer), payerTelegramId: 1 })).toEqual({ ok: false, reason: 'not_your_order' });
  });

  it('refuses a wrong currency (currency_mismatch) or amount (amount_mismatch)', async () => {
    const { customer, order } = await unpaid();
    const base = factsFor(order, customer);
    for (const facts of [
      { ...base, currency: 'USD' },
      { ...base, currency: 'cny' },
    ]) {
      expect(await s.payments.checkDeposit(facts)).toEqual({ ok: false, reason: 'currency_mismatch' });
    }
    for (const facts of [
      { ...base, totalAmount: order.depositFen - 1 },
      { ...base, totalAmount: order.depositFen * 100 },
      { ...base, totalAmount: 100_000 },
    ]) {
      expect(await s.payments.checkDeposit(facts)).toEqual({ ok: false, reason: 'amount_mismatch' });
    }
  });

  it('refuses an order already paid (already_paid) or closed (order_closed)', async () => {
    const paid = await unpaid();
    await s.orders.transition(paid.order.id, 'deposit_paid', 'system');
    expect(await s.payments.checkDeposit(factsFor(paid.order, paid.customer))).toEqual({ ok: false, reason: 'already_paid' });
    await s.orders.transition(paid.order.id, 'vehicle_allocated', 'staff:1');
    expect(await s.payments.checkDeposit(factsFor(paid.order, paid.customer))).toEqual({ ok: false, reason: 'already_paid' });

    const cancelled = await unpaid();
    await s.orders.cancelByCustomer(cancelled.order.id, cancelled.customer.id, 'customer:x');
    expect(await s.payments.checkDeposit(factsFor(cancelled.order, cancelled.customer))).toEqual({ ok: false, reason: 'order_closed' });

    const expired = await unpaid();
    await s.orders.transition(expired.order.id, 'expired', 'system');
    expect(await s.payments.checkDeposit(factsFor(expired.order, expired.customer))).toEqual({ ok: false, reason: 'order_closed' });
  });
});

describe('PaymentService.recordDeposit', () => {
  it('records a payment once when the same charge arrives twice in a row', async () => {
    const { customer, order } = await unpaid();
    const facts = { ...factsFor(order, customer), ...chargeIds() };

    const first = await s.payments.recordDeposit(facts);
    expect(first.status).toBe('recorded');
    expect(first.order).toMatchObject({ id: order.id, state: 'deposit_paid' });

    const second = await s.payments.recordDeposit(facts);
    expect(second.status).toBe('duplicate');
    expect(second.order).toMatchObject({ id: order.id, state: 'deposit_paid' });

    const rows = await paymentsFor(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      telegramPaymentChargeId: facts.telegramChargeId,
      providerPaymentChargeId: facts.providerChargeId,
      amountFen: order.depositFen,
      currency: 'CNY',
      payerTelegramId: customer.telegramId,
    });
    const events = await paidEvents(order.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ fromState: 'awaiting_deposit', actor: `customer:${customer.telegramId}` });
    expect(events[0]!.note).toContain(facts.telegramChargeId);
  });

  it('records a payment once when the same charge arrives twice at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const { customer, order } = await unpaid();
      const facts = { ...factsFor(order, customer), ...chargeIds() };
      const results = await Promise.all([s.payments.recordDeposit(facts), s.payments.recordDeposit(facts), s.payments.recordDeposit(facts)]);
      expect(results.map((r) => r.status).sort()).toEqual(['duplicate', 'duplicate', 'recorded']);
      expect(await paymentsFor(order.id)).toHaveLength(1);
      expect(await paidEvents(order.id)).toHaveLength(1);
      expect((await s.orders.byId(order.id))?.state).toBe('deposit_paid');
    }
  });

  it('keeps the payment and reports needs_refund when the order was cancelled after pre-checkout', async () => {
    const { customer, order } = await unpaid();
    expect((await s.payments.checkDeposit(factsFor(order, customer))).ok).toBe(true);
    await s.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);

    const facts = { ...factsFor(order, customer), ...chargeIds() };
    const result = await s.payments.recordDeposit(facts);
    expect(result.status).toBe('needs_refund');
    expect(result.order).toMatchObject({ id: order.id, state: 'cancelled' });
    const rows = await paymentsFor(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.telegramPaymentChargeId).toBe(facts.telegramChargeId);
    expect(await paidEvents(order.id)).toHaveLength(0);
    expect((await s.orders.byId(order.id))?.state).toBe('cancelled');

    // The same update delivered again changes nothing.
    expect((await s.payments.recordDeposit(facts)).status).toBe('duplicate');
    expect(await paymentsFor(order.id)).toHaveLength(1);
  });

  it('a payment racing a customer cancel either wins or is kept for a refund', async () => {
    for (let round = 0; round < 5; round++) {
      const { customer, order } = await unpaid();
      const facts = { ...factsFor(order, customer), ...chargeIds() };
      const [paid, cancelled] = await Promise.allSettled([s.payments.recordDeposit(facts), s.orders.cancelByCustomer(order.id, customer.id, 'customer:x')]);
      expect(paid.status).toBe('fulfilled');
      const status = (paid as PromiseFulfilledResult<{ status: string }>).value.status;
      const final = (await s.orders.byId(order.id))!.state;
      expect(await paymentsFor(order.id)).toHaveLength(1);
      if (status === 'recorded') {
        // Either the cancel saw a stale state and was refused (the order stays paid), or it came
        // after the payment and asked for the refund of a paid order.
        if (cancelled.status === 'rejected') {
          expect(cancelled.reason).toMatchObject({ code: 'order_state_changed' });
          expect(final).toBe('deposit_paid');
        } else {
          expect(final).toBe('refund_requested');
        }
      } else {
        expect(status).toBe('needs_refund');
        expect(cancelled.status).toBe('fulfilled');
        expect(final).toBe('cancelled');
      }
    }
  });

  it('a second, different charge for an order being paid right now is kept for a refund, not lost', async () => {
    const { customer, order } = await unpaid();
    const one = { ...factsFor(order, customer), ...chargeIds() };
    const two = { ...factsFor(order, customer), ...chargeIds() };

    // Hold a row lock on the order (as any concurrent transition would) so both payments read the
    // order as awaiting_deposit before either can move it; then let them go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.sql.begin(async (tx) => {
      await tx`select id from orders where id = ${order.id} for no key update`;
      locked();
      await gate;
    });
    await isLocked;
    const racing = Promise.allSettled([s.payments.recordDeposit(one), s.payments.recordDeposit(two)]);
    await lockWaiters(t, 2);
    release();
    await holder;
    const results = await racing;

    // Both payments are real money: one moves the order, the other is kept for a refund. Today both
    // hold the FK's KEY SHARE lock on the order and then ask for FOR UPDATE: Postgres kills one
    // (40P01 deadlock) and its payments row is rolled back (see the report).
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : `rejected: ${describeError(r.reason)}`)).sort()).toEqual(['needs_refund', 'recorded']);
    expect(await paymentsFor(order.id)).toHaveLength(2);
    expect((await s.orders.byId(order.id))?.state).toBe('deposit_paid');
    expect(await paidEvents(order.id)).toHaveLength(1);
  });

  it('a second, different charge after the order is paid is kept for a refund', async () => {
    const { customer, order } = await unpaid();
    expect((await s.payments.recordDeposit({ ...factsFor(order, customer), ...chargeIds() })).status).toBe('recorded');
    const again = await s.payments.recordDeposit({ ...factsFor(order, customer), ...chargeIds() });
    expect(again).toMatchObject({ status: 'needs_refund', order: { state: 'deposit_paid' } });
    expect(await paymentsFor(order.id)).toHaveLength(2);
    expect(await paidEvents(order.id)).toHaveLength(1);
  });
});
