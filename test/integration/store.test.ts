import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cartItems, storeOrderEvents, storePayments, storeVariants, type Customer } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import type { StorePaymentFacts } from '../../src/domain/store/checkout.js';
import { seedStore } from '../../src/domain/store/data.js';
import { storePayload } from '../../src/domain/store/rules.js';
import { StoreError } from '../../src/domain/store/service.js';
import type { TestDb } from '../support/db.js';
import { newCustomer, withTestServices } from './helpers.js';

let t: TestDb;
let s: Services;
let clock = new Date('2026-11-27T06:00:00Z');
const now = () => clock;

withTestServices((env) => {
  ({ t, s } = env);
}, now);

async function variant(id: string) {
  const [v] = await t.db.select().from(storeVariants).where(eq(storeVariants.id, id));
  return v!;
}
async function setStock(id: string, stock: number, priceFen?: number) {
  await t.db
    .update(storeVariants)
    .set({ stock, held: 0, ...(priceFen ? { priceFen } : {}) })
    .where(eq(storeVariants.id, id));
}

let charge = 0;
const facts = (orderId: number, c: Customer, total: number): StorePaymentFacts => ({
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
const paid = (f: StorePaymentFacts) => ({ ...f, telegramChargeId: `tg-${++charge}-${Date.now()}`, providerChargeId: `prov-${charge}` });

/** A customer with `qty` of `variantId` in the cart and a placed order (Telegram shipping flow). */
async function ordered(variantId: string, qty = 1) {
  const customer = await newCustomer(s);
  await s.store.add(customer.id, variantId, qty);
  const view = await s.storeCheckout.place(customer.id);
  // Standard shipping: ¥15 under ¥500 of goods, free from ¥500.
  const total = view.order.goodsFen + (view.order.goodsFen >= 50_000 ? 0 : 1_500);
  return { customer, order: view.order, total };
}

describe('store catalog and seed', () => {
  it('seeds every category with variants, and a re-seed keeps stock that was sold', async () => {
    const categories = await s.store.categories();
    expect(categories.map((c) => c.category)).toEqual(['charging', 'accessories', 'apparel']);
    const page1 = await s.store.page('accessories', 1);
    expect(page1.items).toHaveLength(6);
    expect(page1.pages).toBe(2);
    expect((await s.store.page('accessories', 2)).items.length).toBeGreaterThan(0);
    await setStock('screen', 7);
    await seedStore(t.db);
    expect((await variant('screen')).stock).toBe(7);
  });
});

describe('cart', () => {
  it('adds, refuses more than the stock, changes and removes, and forgets carts after 30 days', async () => {
    const c = await newCustomer(s);
    await setStock('jkt-gry-m', 2);
    expect(await s.store.add(c.id, 'jkt-gry-m')).toBe(1);
    expect(await s.store.add(c.id, 'jkt-gry-m')).toBe(2);
    await expect(s.store.add(c.id, 'jkt-gry-m')).rejects.toMatchObject({ code: 'not_enough' });
    await expect(s.store.add(c.id, 'tee-blk-xl')).rejects.toBeInstanceOf(StoreError);
    await expect(s.store.add(c.id, 'no-such-thing')).rejects.toMatchObject({ code: 'unknown_variant' });
    expect(await s.store.change(c.id, 'jkt-gry-m', -1)).toBe(1);
    let cart = await s.store.cart(c.id);
    expect(cart.goodsFen).toBe(110_000);
    await s.store.add(c.id, 'cap-blk');
    await s.store.remove(c.id, 'jkt-gry-m');
    cart = await s.store.cart(c.id);
    expect(cart.lines.map((l) => l.variant.id)).toEqual(['cap-blk']);
    // Sold out while in the cart: the line says so and checkout is refused.
    await setStock('cap-blk', 0);
    cart = await s.store.cart(c.id);
    expect(cart.lines[0]!.problem).toBe('sold_out');
    await expect(s.storeCheckout.place(c.id)).rejects.toMatchObject({ code: 'cart_problems' });
    await setStock('cap-blk', 10);
    const saved = clock;
    clock = new Date(clock.getTime() + 31 * 86_400_000);
    try {
      expect((await s.store.cart(c.id)).lines).toHaveLength(0);
    } finally {
      clock = saved;
    }
  });

  it('a second checkout of the same cart reuses the open order; a changed cart replaces it', async () => {
    const c = await newCustomer(s);
    await s.store.add(c.id, 'tray-m3');
    const first = await s.storeCheckout.place(c.id);
    expect((await s.storeCheckout.place(c.id)).order.id).toBe(first.order.id);
    await s.store.add(c.id, 'tray-m3');
    const second = await s.storeCheckout.place(c.id);
    expect(second.order.id).not.toBe(first.order.id);
    expect((await s.storeCheckout.byId(first.order.id))!.state).toBe('cancelled');
    expect((await s.storeCheckout.listForCustomer(c.id)).map((o) => [o.id, o.items])).toEqual([[second.order.id, 2]]);
  });

  it('the daily job prunes every cart untouched for 30 days, and only those', async () => {
    const [old, fresh] = [await newCustomer(s), await newCustomer(s)];
    await s.store.add(old.id, 'cap-blk');
    const saved = clock;
    clock = new Date(clock.getTime() + 20 * 86_400_000);
    try {
      await s.store.add(fresh.id, 'cap-blk');
      clock = new Date(saved.getTime() + 31 * 86_400_000);
      expect(await s.store.pruneCarts()).toBeGreaterThanOrEqual(1);
      expect(await t.db.select().from(cartItems).where(eq(cartItems.customerId, old.id))).toHaveLength(0);
      expect(await t.db.select().from(cartItems).where(eq(cartItems.customerId, fresh.id))).toHaveLength(1);
    } finally {
      clock = saved;
    }
  });

  it('refuses a cart over Telegram’s single-payment maximum for CNY', async () => {
    const c = await newCustomer(s);
    await s.store.add(c.id, 'wc3', 20);
    await s.store.add(c.id, 'rack-my', 2);
    await expect(s.storeCheckout.place(c.id)).rejects.toMatchObject({ code: 'over_limit' });
  });
});

describe('holds and payments', () => {
  it('pre-checkout holds the stock once; the payment turns the hold into a sale exactly once', async () => {
    await setStock('tray-my', 5);
    const { customer, order, total } = await ordered('tray-my', 2);
    const check = await s.storeCheckout.preCheckout(facts(order.id, customer, total));
    expect(check.ok).toBe(true);
    expect(await variant('tray-my')).toMatchObject({ stock: 5, held: 2 });
    // Telegram may ask again (the customer pressed Pay twice): no second hold.
    expect((await s.storeCheckout.preCheckout(facts(order.id, customer, total))).ok).toBe(true);
    expect((await variant('tray-my')).held).toBe(2);
    const payment = paid(facts(order.id, customer, total));
    const first = await s.storeCheckout.recordPayment(payment);
    expect(first.status).toBe('recorded');
    expect(await variant('tray-my')).toMatchObject({ stock: 3, held: 0 });
    const again = await s.storeCheckout.recordPayment(payment);
    expect(again.status).toBe('duplicate');
    expect(await variant('tray-my')).toMatchObject({ stock: 3, held: 0 });
    expect(await t.db.select().from(storePayments).where(eq(storePayments.orderId, order.id))).toHaveLength(1);
    expect(await t.db.select().from(cartItems).where(eq(cartItems.customerId, customer.id))).toHaveLength(0);
    expect(first.status === 'recorded' && first.view.order).toMatchObject({ state: 'paid', address: '88 Century Ave, Shanghai, Shanghai 200120', shipping: 'standard' });
    // The address is offered at the next checkout.
    expect((await s.store.addresses(customer.id))[0]).toMatchObject({ recipient: 'Zhang Wei', phone: '13800138000' });
  });

  it("a payment update from someone other than the order's customer sells nothing and is kept for a refund", async () => {
    await setStock('tray-my', 5);
    const { customer, order, total } = await ordered('tray-my', 1);
    expect((await s.storeCheckout.preCheckout(facts(order.id, customer, total))).ok).toBe(true);
    const stranger = await newCustomer(s);
    const forged = await s.storeCheckout.recordPayment(paid(facts(order.id, stranger, total)));
    expect(forged).toMatchObject({ status: 'needs_refund', problem: 'payer_mismatch', view: { order: { state: 'pending_payment' } } });
    expect(await variant('tray-my')).toMatchObject({ stock: 5, held: 1 });
    expect(await t.db.select().from(storePayments).where(eq(storePayments.orderId, order.id))).toEqual([
      expect.objectContaining({ payerTelegramId: stranger.telegramId, status: 'refund_needed', problem: 'payer_mismatch' }),
    ]);
    // The owner's own payment still goes through.
    expect((await s.storeCheckout.recordPayment(paid(facts(order.id, customer, total)))).status).toBe('recorded');
  });

  it('the last unit: two customers at pre-checkout at once, exactly one gets it', async () => {
    await setStock('cap-wht', 1);
    const a = await ordered('cap-wht');
    const b = await ordered('cap-wht');
    const results = await Promise.all([a, b].map((x) => s.storeCheckout.preCheckout(facts(x.order.id, x.customer, x.total))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'sold_out' });
    expect(await variant('cap-wht')).toMatchObject({ stock: 1, held: 1 });
  });

  it('refuses a price changed between invoice and payment, and a wrong amount', async () => {
    await setStock('flaps-m3', 7, 52_000);
    const { customer, order, total } = await ordered('flaps-m3');
    expect(await s.storeCheckout.preCheckout(facts(order.id, customer, total + 1))).toEqual({ ok: false, reason: 'amount_mismatch' });
    await setStock('flaps-m3', 7, 55_000);
    expect(await s.storeCheckout.preCheckout(facts(order.id, customer, total))).toEqual({ ok: false, reason: 'price_changed' });
    expect((await variant('flaps-m3')).held).toBe(0);
    const stranger = await newCustomer(s);
    expect(await s.storeCheckout.preCheckout(facts(order.id, stranger, total))).toEqual({ ok: false, reason: 'not_your_order' });
  });

  it('an unpaid hold is released when it runs out; a late payment takes free stock or is marked for refund', async () => {
    await setStock('jkt-blk-m', 1);
    const a = await ordered('jkt-blk-m');
    expect((await s.storeCheckout.preCheckout(facts(a.order.id, a.customer, a.total))).ok).toBe(true);
    expect(await s.storeCheckout.expireUnpaid(a.order.id)).toBe('skipped'); // not yet due
    const saved = clock;
    clock = new Date(clock.getTime() + 16 * 60_000);
    try {
      expect(await s.storeCheckout.expireUnpaid(a.order.id)).toBe('expired');
      expect(await s.storeCheckout.expireUnpaid(a.order.id)).toBe('skipped');
      expect(await variant('jkt-blk-m')).toMatchObject({ stock: 1, held: 0 });
      // Stock still there: the late payment takes it.
      const late = await s.storeCheckout.recordPayment(paid(facts(a.order.id, a.customer, a.total)));
      expect(late.status).toBe('recorded');
      expect(await variant('jkt-blk-m')).toMatchObject({ stock: 0, held: 0 });
      // Another lapsed hold, whose unit someone else bought meanwhile: needs a refund.
      await setStock('jkt-blk-m', 1);
      const b = await ordered('jkt-blk-m');
      expect((await s.storeCheckout.preCheckout(facts(b.order.id, b.customer, b.total))).ok).toBe(true);
      clock = new Date(clock.getTime() + 16 * 60_000);
      expect(await s.storeCheckout.expireUnpaid(b.order.id)).toBe('expired');
      await t.db
        .update(storeVariants)
        .set({ stock: sql`${storeVariants.stock} - 1` })
        .where(eq(storeVariants.id, 'jkt-blk-m'));
      const gone = await s.storeCheckout.recordPayment(paid(facts(b.order.id, b.customer, b.total)));
      expect(gone.status).toBe('needs_refund');
      expect(gone.status === 'needs_refund' && gone.view.order.state).toBe('needs_refund');
      expect(await variant('jkt-blk-m')).toMatchObject({ stock: 0, held: 0 });
    } finally {
      clock = saved;
    }
  });

  it('the sweep expires lapsed holds and day-old invoices whose jobs were lost, and nothing else', async () => {
    await setStock('shade-my', 6);
    const held = await ordered('shade-my');
    expect((await s.storeCheckout.preCheckout(facts(held.order.id, held.customer, held.total))).ok).toBe(true);
    const waiting = await ordered('shade-my');
    expect(await s.storeCheckout.sweepUnpaid()).toBe(0);
    const saved = clock;
    clock = new Date(clock.getTime() + 16 * 60_000);
    try {
      expect(await s.storeCheckout.sweepUnpaid()).toBeGreaterThanOrEqual(1);
      expect((await s.storeCheckout.byId(held.order.id))!.state).toBe('expired');
      expect((await s.storeCheckout.byId(waiting.order.id))!.state).toBe('pending_payment');
      expect((await variant('shade-my')).held).toBe(0);
      clock = new Date(saved.getTime() + 25 * 3_600_000);
      await s.storeCheckout.sweepUnpaid();
      expect((await s.storeCheckout.byId(waiting.order.id))!.state).toBe('expired');
    } finally {
      clock = saved;
    }
  });

  it('ships with a tracking number, then delivers; each step audited and in order', async () => {
    await setStock('mc', 15);
    const { customer, order, total } = await ordered('mc');
    await expect(s.storeCheckout.ship(order.id, 'JD', 'JDV000111222', 'staff:1')).rejects.toMatchObject({ code: 'wrong_state' });
    await s.storeCheckout.preCheckout(facts(order.id, customer, total));
    await s.storeCheckout.recordPayment(paid(facts(order.id, customer, total)));
    await expect(s.storeCheckout.ship(order.id, 'JD', 'x', 'staff:1')).rejects.toMatchObject({ code: 'bad_tracking' });
    const shipped = await s.storeCheckout.ship(order.id, 'jd', 'JDV000111222', 'staff:1');
    expect(shipped).toMatchObject({ state: 'shipped', carrier: 'JD', trackingNo: 'JDV000111222' });
    expect((await s.storeCheckout.byRef(shipped.number))?.id).toBe(order.id);
    expect((await s.storeCheckout.deliver(order.id, 'staff:1')).state).toBe('delivered');
    const events = await t.db.select().from(storeOrderEvents).where(eq(storeOrderEvents.orderId, order.id));
    expect(events.map((e) => e.toState)).toEqual(['pending_payment', 'pending_payment', 'paid', 'shipped', 'delivered']);
  });
});
