import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { storeAddresses, storeOrderLines, storeOrders, type ShippingOption, type StoreOrder } from '../../db/schema/index.js';
import { CheckoutError, variantName, type StorePaymentFacts, type StorePreCheckoutRefusal, type StoreOrderView, type StoreRecordResult, type StoreRefundDue } from './types.js';
import { paymentLimitProblem, shippingFen } from './rules.js';
import type { StoreService } from './service.js';
import { noStoreEvents, type StoreEvents } from './events.js';
import { StoreOrders } from './orders.js';
import { StorePayments } from './payment.js';

export * from './types.js';

export interface StoreCheckoutOptions {
  db: Db;
  /** The catalog and carts (checkout reads the cart). */
  store: StoreService;
  now?: () => Date;
  /** Told about new orders, holds and state changes (the store queue's jobs); nobody by default. */
  events?: StoreEvents;
}

/**
 * Store orders: the invoice's order is made from the cart at checkout; pre-checkout holds its
 * stock and the payment sells it (StorePayments, payment.ts); reading orders and ops' steps are
 * StoreOrders' (orders.ts). Callers use this one service, which hands those on.
 */
export class StoreCheckoutService {
  private readonly db: Db;
  private readonly store: StoreService;
  private readonly now: () => Date;
  private readonly events: StoreEvents;
  private readonly orders: StoreOrders;
  private readonly payments: StorePayments;

  constructor(opts: StoreCheckoutOptions) {
    this.db = opts.db;
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.events = opts.events ?? noStoreEvents;
    this.orders = new StoreOrders({ db: this.db, now: this.now, events: this.events });
    this.payments = new StorePayments({ db: this.db, now: this.now, events: this.events, orders: this.orders });
  }

  // Reading orders and ops' steps, from StoreOrders (orders.ts).

  view(order: StoreOrder): Promise<StoreOrderView> {
    return this.orders.view(order);
  }

  byId(orderId: number): Promise<StoreOrder | null> {
    return this.orders.byId(orderId);
  }

  byRef(ref: string): Promise<StoreOrder | null> {
    return this.orders.byRef(ref);
  }

  forCustomer(orderId: number, customerId: number): Promise<StoreOrderView> {
    return this.orders.forCustomer(orderId, customerId);
  }

  listForCustomer(customerId: number): Promise<Array<StoreOrder & { items: number }>> {
    return this.orders.listForCustomer(customerId);
  }

  awaitingShipment(limit?: number): Promise<Array<StoreOrder & { items: number }>> {
    return this.orders.awaitingShipment(limit);
  }

  inTransit(limit?: number): Promise<Array<StoreOrder & { items: number }>> {
    return this.orders.inTransit(limit);
  }

  forShippingQuery(payload: string, payerTelegramId: number): Promise<StoreOrder | null> {
    return this.orders.forShippingQuery(payload, payerTelegramId);
  }

  ship(orderId: number, carrier: string, trackingNo: string, actor: string): Promise<StoreOrder> {
    return this.orders.ship(orderId, carrier, trackingNo, actor);
  }

  refunded(orderId: number, actor: string, paymentId?: number): Promise<StoreOrder> {
    return this.orders.refunded(orderId, actor, paymentId);
  }

  refundsDue(limit?: number): Promise<StoreRefundDue[]> {
    return this.orders.refundsDue(limit);
  }

  paymentById(paymentId: number): Promise<StoreRefundDue | null> {
    return this.orders.paymentById(paymentId);
  }

  deliver(orderId: number, actor: string): Promise<StoreOrder> {
    return this.orders.deliver(orderId, actor);
  }

  sweepUnpaid(): Promise<number> {
    return this.orders.sweepUnpaid();
  }

  expireUnpaid(orderId: number): Promise<'expired' | 'skipped'> {
    return this.orders.expireUnpaid(orderId);
  }

  // Pre-checkout and the payment, from StorePayments (payment.ts).

  preCheckout(facts: StorePaymentFacts): Promise<{ ok: true; order: StoreOrder } | { ok: false; reason: StorePreCheckoutRefusal }> {
    return this.payments.preCheckout(facts);
  }

  recordPayment(facts: StorePaymentFacts & { telegramChargeId: string; providerChargeId: string }): Promise<StoreRecordResult> {
    return this.payments.recordPayment(facts);
  }

  receiptSent(paymentId: number): Promise<void> {
    return this.payments.receiptSent(paymentId);
  }

  // Checkout.

  /**
   * Makes a pending order from the cart. With an address and a shipping option the invoice is
   * complete; without, Telegram asks for the address and offers the options (is_flexible).
   * Earlier unpaid orders that hold no stock are cancelled: the newest invoice is the one that counts.
   */
  async place(customerId: number, opts: { addressId?: number; shipping?: ShippingOption } = {}): Promise<StoreOrderView> {
    const cart = await this.store.cart(customerId);
    if (cart.lines.length === 0) throw new CheckoutError('empty_cart');
    if (cart.hasProblems) throw new CheckoutError('cart_problems');
    const limit = paymentLimitProblem(cart.goodsFen);
    if (limit) throw new CheckoutError(limit, limit, { goodsFen: cart.goodsFen });
    let address: { recipient: string; phone: string; address: string } | null = null;
    if (opts.addressId !== undefined) {
      const [a] = await this.db
        .select()
        .from(storeAddresses)
        .where(and(eq(storeAddresses.id, opts.addressId), eq(storeAddresses.customerId, customerId)));
      if (!a) throw new CheckoutError('unknown_address');
      address = { recipient: a.recipient, phone: a.phone, address: a.address };
    }
    const shipping = address && opts.shipping ? opts.shipping : null;
    // A double press of Checkout (or checking out again unchanged) reuses the open invoice's
    // order, so the first invoice stays payable instead of being superseded a second later.
    const reusable = await this.reusable(customerId, cart, address, shipping);
    if (reusable) return this.view(reusable);
    const created = await this.db.transaction(async (tx) => {
      const superseded = await tx
        .update(storeOrders)
        .set({ state: 'cancelled', updatedAt: this.now() })
        .where(and(eq(storeOrders.customerId, customerId), eq(storeOrders.state, 'pending_payment'), isNull(storeOrders.holdExpiresAt)))
        .returning({ id: storeOrders.id });
      for (const s of superseded) await this.orders.audit(tx, s.id, 'pending_payment', 'cancelled', 'system', 'replaced by a newer checkout');
      const [order] = await tx
        .insert(storeOrders)
        .values({
          customerId,
          goodsFen: cart.goodsFen,
          shipping,
          shippingFen: shipping ? shippingFen(shipping, cart.goodsFen) : null,
          ...(address ?? {}),
          createdAt: this.now(),
          updatedAt: this.now(),
        })
        .returning();
      await tx.insert(storeOrderLines).values(
        cart.lines.map((l) => ({
          orderId: order!.id,
          variantId: l.variant.id,
          name: variantName(l.product.name, l.variant.attributes),
          qty: l.qty,
          unitPriceFen: l.variant.priceFen,
        })),
      );
      await this.orders.audit(tx, order!.id, null, 'pending_payment', `customer:${customerId}`);
      return order!;
    });
    await this.events.orderCreated(created);
    return this.view(created);
  }

  /** The customer's open order with no hold that has exactly this cart, address and shipping. */
  private async reusable(
    customerId: number,
    cart: Awaited<ReturnType<StoreService['cart']>>,
    address: { recipient: string; phone: string; address: string } | null,
    shipping: ShippingOption | null,
  ): Promise<StoreOrder | null> {
    const open = await this.db
      .select()
      .from(storeOrders)
      .where(and(eq(storeOrders.customerId, customerId), eq(storeOrders.state, 'pending_payment'), isNull(storeOrders.holdExpiresAt)))
      .orderBy(desc(storeOrders.id))
      .limit(1);
    const order = open[0];
    if (!order || order.shipping !== shipping || (order.address ?? null) !== (address?.address ?? null) || (order.recipient ?? null) !== (address?.recipient ?? null)) return null;
    const lines = await this.db.select().from(storeOrderLines).where(eq(storeOrderLines.orderId, order.id));
    const key = (variantId: string, qty: number, price: number) => `${variantId}|${qty}|${price}`;
    const want = cart.lines
      .map((l) => key(l.variant.id, l.qty, l.variant.priceFen))
      .sort()
      .join(',');
    const have = lines
      .map((l) => key(l.variantId, l.qty, l.unitPriceFen))
      .sort()
      .join(',');
    return want === have ? order : null;
  }
}
