/**
 * Payments that cannot be applied (the "Payments" part of the exactly-once issue): recording a car
 * deposit or a store payment checks payer, currency and amount against the order, so a forged
 * successful_payment never marks an order paid; money that cannot be applied (a mismatch, a closed
 * order, a second payment) is kept as refund_needed with its problem and an audit row, listed for
 * ops, and marked refunded with who and when.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { orderEvents, payments, storeOrderEvents, storePayments, storeVariants, type Customer, type Order } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import { depositPayload, type PaymentFacts } from '../../src/domain/payments/service.js';
import type { StorePaymentFacts } from '../../src/domain/store/checkout.js';
import { storePayload } from '../../src/domain/store/rules.js';
import type { TestDb } from '../support/db.js';
import { MODEL_S_PLAID, newCustomer, newOrder, withTestServices } from './helpers.js';
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

let charge = 0;
const chargeIds = () => {
  charge += 1;
  return { telegramChargeId: `refund-charge-${charge}-${Date.now()}`, providerChargeId: `provider-${charge}` };
};

const factsFor = (order: Order, customer: Customer): PaymentFacts => ({
  payload: depositPayload(order.id),
  currency: 'CNY',
  totalAmount: order.depositFen,
  payerTelegramId: customer.telegramId,
});

async function unpaid() {
  const customer = await newCustomer(s);
  const order = await newOrder(s, customer, MODEL_S_PLAID);
  return { customer, order };
}

const paymentsOf = (orderId: number) => t.db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(payments.id);
const paymentEvents = (orderId: number) =>
  t.db
    .select()
    .from(orderEvents)
    .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.subject, 'payment')))
    .orderBy(orderEvents.id);

describe('a car deposit that does not match its order', () => {
  it.each([
    ['amount_mismatch', (f: PaymentFacts) => ({ ...f, totalAmount: 1 })],
    ['currency_mismatch', (f: PaymentFacts) => ({ ...f, currency: 'USD' })],
    ['payer_mismatch', (f: PaymentFacts) => ({ ...f, payerTelegramId: f.payerTelegramId + 1 })],
  ] as const)('%s: kept as refund_needed, the order stays unpaid', async (problem, forge) => {
    const { customer, order } = await unpaid();
    const facts = { ...forge(factsFor(order, customer)), ...chargeIds() };

    const result = await s.payments.recordDeposit(facts);

    expect(result).toMatchObject({ status: 'needs_refund', problem, order: { id: order.id, state: 'awaiting_deposit' } });
    expect((await s.orders.byId(order.id))?.state).toBe('awaiting_deposit');
    const [row] = await paymentsOf(order.id);
    expect(row).toMatchObject({
      telegramPaymentChargeId: facts.telegramChargeId,
      amountFen: facts.totalAmount,
      currency: facts.currency,
      payerTelegramId: facts.payerTelegramId,
      status: 'refund_needed',
      problem,
      refundedAt: null,
    });
    expect((await paymentEvents(order.id)).map((e) => [e.fromState, e.toState])).toEqual([[null, 'refund_needed']]);
    // The right payment afterwards still pays the order.
    expect((await s.payments.recordDeposit({ ...factsFor(order, customer), ...chargeIds() })).status).toBe('recorded');
  });
});

describe('a car deposit on a closed or already-paid order', () => {
  it('is listed for a refund with its problem until marked refunded, with who and when on the row and the trail', async () => {
    const closed = await unpaid();
    await s.orders.cancelByCustomer(closed.order.id, closed.customer.id, `customer:${closed.customer.telegramId}`);
    const paid = await unpaid();
    expect((await s.payments.recordDeposit({ ...factsFor(paid.order, paid.customer), ...chargeIds() })).status).toBe('recorded');

    expect(await s.payments.recordDeposit({ ...factsFor(closed.order, closed.customer), ...chargeIds() })).toMatchObject({ status: 'needs_refund', problem: 'order_closed' });
    expect(await s.payments.recordDeposit({ ...factsFor(paid.order, paid.customer), ...chargeIds() })).toMatchObject({ status: 'needs_refund', problem: 'already_paid' });

    const due = (await s.payments.refundsDue()).filter((r) => [closed.order.id, paid.order.id].includes(r.order.id));
    expect(due.map((r) => [r.order.number, r.payment.problem])).toEqual([
      [closed.order.number, 'order_closed'],
      [paid.order.number, 'already_paid'],
    ]);

    const [marked] = await s.payments.markRefunded({ paymentId: due[0]!.payment.id }, 'staff:42');
    expect(marked).toMatchObject({ status: 'refunded', refundedBy: 'staff:42' });
    expect(marked!.refundedAt).toBeInstanceOf(Date);
    expect((await paymentEvents(closed.order.id)).map((e) => [e.fromState, e.toState, e.actor])).toEqual([
      [null, 'refund_needed', `customer:${closed.customer.telegramId}`],
      ['refund_needed', 'refunded', 'staff:42'],
    ]);
    // Once only: a second mark is refused; the other order's payment is still due.
    await expect(s.payments.markRefunded({ paymentId: due[0]!.payment.id }, 'staff:43')).rejects.toMatchObject({ code: 'no_refund_due' });
    expect((await s.payments.refundsDue()).map((r) => r.order.id)).toContain(paid.order.id);
    expect((await s.payments.refundsDue()).map((r) => r.order.id)).not.toContain(closed.order.id);
    expect((await s.orders.byId(paid.order.id))?.state).toBe('deposit_paid');
  });
});

// ---- store payments -------------------------------------------------------------------------

const storeFacts = (orderId: number, c: Customer, total: number): StorePaymentFacts => ({
  payload: storePayload(orderId),
  currency: 'CNY',
  totalAmount: total,
  payerTelegramId: c.telegramId,
  shippingOptionId: 'standard',
  orderInfo: {
    name: 'Zhang Wei',
    phone_number: '13800138000',
    shipping_address: { country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '88 Century Ave', street_line2: '', post_code: '200120' },
  },
});

/** A store order that passed pre-checkout (stock held), with its invoice total. */
async function heldStoreOrder() {
  await t.db.update(storeVariants).set({ stock: 50, held: 0 }).where(eq(storeVariants.id, 'tray-my'));
  const customer = await newCustomer(s);
  await s.store.add(customer.id, 'tray-my', 1);
  const view = await s.storeCheckout.place(customer.id);
  const total = view.order.goodsFen + (view.order.goodsFen >= 50_000 ? 0 : 1_500);
  expect((await s.storeCheckout.preCheckout(storeFacts(view.order.id, customer, total))).ok).toBe(true);
  return { customer, order: view.order, total };
}

describe('a store payment that does not match its order', () => {
  it.each([
    ['amount_mismatch', (f: StorePaymentFacts) => ({ ...f, totalAmount: 1 })],
    ['currency_mismatch', (f: StorePaymentFacts) => ({ ...f, currency: 'USD' })],
    ['payer_mismatch', (f: StorePaymentFacts) => ({ ...f, payerTelegramId: f.payerTelegramId + 1 })],
  ] as const)('%s: kept as refund_needed, the order is not paid; refunded marks it with who and when', async (problem, forge) => {
    const { customer, order, total } = await heldStoreOrder();
    const facts = { ...forge(storeFacts(order.id, customer, total)), ...chargeIds() };

    const result = await s.storeCheckout.recordPayment(facts);

    expect(result.status).toBe('needs_refund');
    expect(result.status === 'needs_refund' && result.problem).toBe(problem);
    expect((await s.storeCheckout.byId(order.id))?.state).toBe('pending_payment');
    const rows = await t.db.select().from(storePayments).where(eq(storePayments.orderId, order.id));
    expect(rows).toEqual([
      expect.objectContaining({ amountFen: facts.totalAmount, currency: facts.currency, payerTelegramId: facts.payerTelegramId, status: 'refund_needed', problem }),
    ]);
    expect((await s.storeCheckout.refundsDue()).map((r) => r.payment.id)).toContain(rows[0]!.id);

    await s.storeCheckout.refunded(order.id, 'cli:ops');
    const [after] = await t.db.select().from(storePayments).where(eq(storePayments.orderId, order.id));
    expect(after).toMatchObject({ status: 'refunded', refundedBy: 'cli:ops' });
    expect(after!.refundedAt).toBeInstanceOf(Date);
    const notes = (await t.db.select().from(storeOrderEvents).where(eq(storeOrderEvents.orderId, order.id))).map((e) => `${e.actor} ${e.note ?? ''}`);
    expect(notes).toContain(`cli:ops payment ${facts.telegramChargeId} refunded`);
    // The order itself is still open: its own payment can still come.
    expect((await s.storeCheckout.recordPayment({ ...storeFacts(order.id, customer, total), ...chargeIds() })).status).toBe('recorded');
  });

  it('a second payment on a paid store order is listed for a refund', async () => {
    const { customer, order, total } = await heldStoreOrder();
    expect((await s.storeCheckout.recordPayment({ ...storeFacts(order.id, customer, total), ...chargeIds() })).status).toBe('recorded');
    const again = await s.storeCheckout.recordPayment({ ...storeFacts(order.id, customer, total), ...chargeIds() });
    expect(again.status === 'needs_refund' && again.problem).toBe('already_paid');
    expect((await s.storeCheckout.refundsDue()).filter((r) => r.order.id === order.id).map((r) => r.payment.problem)).toEqual(['already_paid']);
    expect((await s.storeCheckout.byId(order.id))?.state).toBe('paid');
  });
});
