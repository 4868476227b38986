import { and, asc, desc, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  cartItems,
  customers,
  shippingOptions,
  storeAddresses,
  storeOrderEvents,
  storeOrderLines,
  storeOrders,
  storePayments,
  storeProducts,
  storeVariants,
  type ShippingOption,
  type StoreOrder,
  type StoreOrderLine,
  type StoreOrderState,
} from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';
import { HOLD_MINUTES, parseStorePayload, paymentLimitProblem, shippingFen, storeTransitions } from './rules.js';
import type { StoreService } from './service.js';
import { noStoreEvents, type StoreEvents } from './events.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface StoreOrderView {
  order: StoreOrder;
  lines: Array<StoreOrderLine & { productId: string; needsInstallation: boolean }>;
}

export type CheckoutRefusal = 'empty_cart' | 'cart_problems' | 'over_limit' | 'under_limit' | 'unknown_address';
export class CheckoutError extends AppError<CheckoutRefusal> {}

export type StoreOrderErrorCode = 'order_not_found' | 'not_your_order' | 'wrong_state' | 'bad_tracking';
export class StoreOrderError extends AppError<StoreOrderErrorCode> {}

export type StorePreCheckoutRefusal =
  | 'order_not_found'
  | 'not_your_order'
  | 'already_paid'
  | 'order_closed'
  | 'price_changed'
  | 'sold_out'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'no_shipping';

export interface StorePaymentFacts {
  payload: string;
  currency: string;
  totalAmount: number;
  payerTelegramId: number;
  /** Telegram's shipping flow: the option picked in the invoice and the address typed there. */
  shippingOptionId?: string;
  orderInfo?: { name?: string; phone_number?: string; shipping_address?: TelegramAddress };
}
export interface TelegramAddress {
  country_code: string;
  state: string;
  city: string;
  street_line1: string;
  street_line2: string;
  post_code: string;
}

export type StoreRecordResult =
  | { status: 'recorded'; view: StoreOrderView }
  | { status: 'duplicate'; view: StoreOrderView }
  /** Money in, goods not: the hold had lapsed and the stock went to someone else (or the order was paid already). */
  | { status: 'needs_refund'; view: StoreOrderView }
  | { status: 'unrecognized'; view: null };

/** Thrown inside a transaction to roll it back with a refusal. */
class Refused extends Error {
  constructor(readonly reason: StorePreCheckoutRefusal) {
    super(reason);
  }
}

export const formatAddress = (a: TelegramAddress): string =>
  [[a.street_line1, a.street_line2].filter(Boolean).join(' '), a.city, [a.state, a.post_code].filter(Boolean).join(' ')].filter(Boolean).join(', ');

/**
 * Store orders: the invoice's order is made from the cart at checkout; pre-checkout reserves the
 * stock (`held`) with guarded UPDATEs, so two customers can never both pay for the last unit;
 * the payment turns the hold into a sale exactly once (unique telegram_payment_charge_id).
 */
export class StoreCheckoutService {
  constructor(
    private readonly db: Db,
    private readonly store: StoreService,
    private readonly now: () => Date,
    private readonly events: StoreEvents = noStoreEvents,
  ) {}

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
    const created = await this.db.transaction(async (tx) => {
      const superseded = await tx
        .update(storeOrders)
        .set({ state: 'cancelled', updatedAt: this.now() })
        .where(and(eq(storeOrders.customerId, customerId), eq(storeOrders.state, 'pending_payment'), isNull(storeOrders.holdExpiresAt)))
        .returning({ id: storeOrders.id });
      for (const s of superseded) await this.audit(tx, s.id, 'pending_payment', 'cancelled', 'system', 'replaced by a newer checkout');
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
      await this.audit(tx, order!.id, null, 'pending_payment', `customer:${customerId}`);
      return order!;
    });
    await this.events.orderCreated(created);
    return this.view(created);
  }

  async view(order: StoreOrder): Promise<StoreOrderView> {
    const lines = await this.db
      .select({ line: storeOrderLines, productId: storeVariants.productId, needsInstallation: storeProducts.needsInstallation })
      .from(storeOrderLines)
      .innerJoin(storeVariants, eq(storeVariants.id, storeOrderLines.variantId))
      .innerJoin(storeProducts, eq(storeProducts.id, storeVariants.productId))
      .where(eq(storeOrderLines.orderId, order.id))
      .orderBy(asc(storeOrderLines.id));
    return { order, lines: lines.map((l) => ({ ...l.line, productId: l.productId, needsInstallation: l.needsInstallation })) };
  }

  async byId(orderId: number): Promise<StoreOrder | null> {
    const [order] = await this.db.select().from(storeOrders).where(eq(storeOrders.id, orderId));
    return order ?? null;
  }

  /** 'S10001', 's10001' or the numeric id. */
  async byRef(ref: string): Promise<StoreOrder | null> {
    const trimmed = ref.trim();
    if (/^\d{1,9}$/.test(trimmed)) return this.byId(Number(trimmed));
    if (!/^[sS]\d{1,10}$/.test(trimmed)) return null;
    const [order] = await this.db.select().from(storeOrders).where(eq(storeOrders.number, trimmed.toUpperCase()));
    return order ?? null;
  }

  /** The order if it is this customer's; a forged or foreign id is refused the same way as a missing one. */
  async forCustomer(orderId: number, customerId: number): Promise<StoreOrderView> {
    const order = await this.byId(orderId);
    if (!order || order.customerId !== customerId) throw new StoreOrderError('order_not_found', `store order ${orderId} not the customer's`);
    return this.view(order);
  }

  /** Orders worth showing in "My orders": paid ones and the live invoice (not superseded or lapsed ones). */
  async listForCustomer(customerId: number): Promise<Array<StoreOrder & { items: number }>> {
    const rows = await this.db
      .select({ order: storeOrders, items: sql<number>`(select coalesce(sum(qty), 0)::int from store_order_lines l where l.order_id = "store_orders"."id")` })
      .from(storeOrders)
      .where(and(eq(storeOrders.customerId, customerId), notInArray(storeOrders.state, ['cancelled', 'expired'])))
      .orderBy(desc(storeOrders.id));
    return rows.map((r) => ({ ...r.order, items: r.items }));
  }

  /** Ops: paid orders waiting for a parcel, oldest first. */
  async awaitingShipment(limit = 20): Promise<Array<StoreOrder & { items: number }>> {
    const rows = await this.db
      .select({ order: storeOrders, items: sql<number>`(select coalesce(sum(qty), 0)::int from store_order_lines l where l.order_id = "store_orders"."id")` })
      .from(storeOrders)
      .where(eq(storeOrders.state, 'paid'))
      .orderBy(asc(storeOrders.paidAt), asc(storeOrders.id))
      .limit(limit);
    return rows.map((r) => ({ ...r.order, items: r.items }));
  }

  /** Goods total of the invoice's order, for answering Telegram's shipping query. */
  async forShippingQuery(payload: string, payerTelegramId: number): Promise<StoreOrder | null> {
    const orderId = parseStorePayload(payload);
    if (orderId === null) return null;
    const [row] = await this.db
      .select({ order: storeOrders, tg: customers.telegramId })
      .from(storeOrders)
      .innerJoin(customers, eq(customers.id, storeOrders.customerId))
      .where(eq(storeOrders.id, orderId));
    return row && row.tg === payerTelegramId && row.order.state === 'pending_payment' ? row.order : null;
  }

  /**
   * Everything checked before money moves, then the stock reserved in the same transaction: each
   * line's price is still the variant's price, the amount is goods + shipping, and every variant
   * has `stock - held >= qty` (guarded UPDATE, variants in id order so two holds cannot deadlock).
   * A repeated pre-checkout for an order already holding its stock passes without holding twice.
   */
  async preCheckout(facts: StorePaymentFacts): Promise<{ ok: true; order: StoreOrder } | { ok: false; reason: StorePreCheckoutRefusal }> {
    const orderId = parseStorePayload(facts.payload);
    if (orderId === null) return { ok: false, reason: 'order_not_found' };
    const now = this.now();
    try {
      const result = await this.db.transaction(async (tx) => {
        const [row] = await tx
          .select({ order: storeOrders, tg: customers.telegramId })
          .from(storeOrders)
          .innerJoin(customers, eq(customers.id, storeOrders.customerId))
          .where(eq(storeOrders.id, orderId))
          .for('update', { of: storeOrders });
        if (!row) throw new Refused('order_not_found');
        const order = row.order;
        if (row.tg !== facts.payerTelegramId) throw new Refused('not_your_order');
        if (order.state !== 'pending_payment') throw new Refused(order.state === 'cancelled' || order.state === 'expired' ? 'order_closed' : 'already_paid');
        if (facts.currency !== order.currency) throw new Refused('currency_mismatch');
        let shipping = order.shipping;
        const patch: Partial<StoreOrder> = {};
        if (!shipping) {
          const option = shippingOptions.find((o) => o === facts.shippingOptionId);
          const addr = facts.orderInfo?.shipping_address;
          if (!option || !addr) throw new Refused('no_shipping');
          shipping = option;
          Object.assign(patch, {
            shipping: option,
            shippingFen: shippingFen(option, order.goodsFen),
            recipient: facts.orderInfo?.name ?? '',
            phone: facts.orderInfo?.phone_number ?? '',
            address: formatAddress(addr),
          });
        }
        const fee = patch.shippingFen ?? order.shippingFen ?? 0;
        if (facts.totalAmount !== order.goodsFen + fee) throw new Refused('amount_mismatch');
        if (order.holdExpiresAt && order.holdExpiresAt > now) return { order, placed: false };
        const lines = await tx.select().from(storeOrderLines).where(eq(storeOrderLines.orderId, order.id)).orderBy(asc(storeOrderLines.variantId));
        const prices = await tx.select({ id: storeVariants.id, priceFen: storeVariants.priceFen }).from(storeVariants).where(inArray(storeVariants.id, lines.map((l) => l.variantId)));
        for (const l of lines) if (prices.find((p) => p.id === l.variantId)?.priceFen !== l.unitPriceFen) throw new Refused('price_changed');
        for (const l of lines) {
          const held = await tx
            .update(storeVariants)
            .set({ held: sql`${storeVariants.held} + ${l.qty}` })
            .where(and(eq(storeVariants.id, l.variantId), sql`${storeVariants.stock} - ${storeVariants.held} >= ${l.qty}`))
            .returning({ id: storeVariants.id });
          if (held.length === 0) throw new Refused('sold_out');
        }
        const holdExpiresAt = new Date(now.getTime() + HOLD_MINUTES * 60_000);
        const [updated] = await tx.update(storeOrders).set({ ...patch, holdExpiresAt, updatedAt: now }).where(eq(storeOrders.id, order.id)).returning();
        await this.audit(tx, order.id, 'pending_payment', 'pending_payment', `customer:${facts.payerTelegramId}`, `stock held until ${holdExpiresAt.toISOString()}`);
        return { order: updated!, placed: true };
      });
      if (result.placed) await this.events.holdPlaced(result.order);
      return { ok: true, order: result.order };
    } catch (err) {
      if (err instanceof Refused) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  /**
   * Records the payment once and turns the hold into a sale (stock and held both go down). When
   * the hold had already lapsed the sale is tried on the free stock; if it is gone, the payment
   * is kept and the order marked needs_refund. The bought lines leave the cart.
   */
  async recordPayment(facts: StorePaymentFacts & { telegramChargeId: string; providerChargeId: string }): Promise<StoreRecordResult> {
    const orderId = parseStorePayload(facts.payload);
    if (orderId === null) return { status: 'unrecognized', view: null };
    const actor = `customer:${facts.payerTelegramId}`;
    const now = this.now();
    const result = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(storeOrders).where(eq(storeOrders.id, orderId)).for('update');
      if (!current) return { status: 'unrecognized' as const, order: null };
      const inserted = await tx
        .insert(storePayments)
        .values({
          orderId,
          telegramPaymentChargeId: facts.telegramChargeId,
          providerPaymentChargeId: facts.providerChargeId,
          amountFen: facts.totalAmount,
          currency: facts.currency,
          payerTelegramId: facts.payerTelegramId,
        })
        .onConflictDoNothing({ target: storePayments.telegramPaymentChargeId })
        .returning({ id: storePayments.id });
      if (inserted.length === 0) return { status: 'duplicate' as const, order: current };
      const lines = await tx.select().from(storeOrderLines).where(eq(storeOrderLines.orderId, orderId)).orderBy(asc(storeOrderLines.variantId));
      const held = current.state === 'pending_payment' && current.holdExpiresAt !== null;
      let sold = false;
      if (held) {
        for (const l of lines) {
          await tx
            .update(storeVariants)
            .set({ stock: sql`${storeVariants.stock} - ${l.qty}`, held: sql`${storeVariants.held} - ${l.qty}` })
            .where(eq(storeVariants.id, l.variantId));
        }
        sold = true;
      } else if (storeTransitions[current.state].includes('paid')) {
        // No hold (it lapsed and was released): sell from the free stock if it is all still there.
        sold = await tx
          .transaction(async (sp) => {
            for (const l of lines) {
              const took = await sp
                .update(storeVariants)
                .set({ stock: sql`${storeVariants.stock} - ${l.qty}` })
                .where(and(eq(storeVariants.id, l.variantId), sql`${storeVariants.stock} - ${storeVariants.held} >= ${l.qty}`))
                .returning({ id: storeVariants.id });
              if (took.length === 0) throw new Refused('sold_out');
            }
            return true;
          })
          .catch((err: unknown) => {
            if (err instanceof Refused) return false;
            throw err;
          });
      }
      if (!sold) {
        // Already paid by another charge, or the goods are gone: keep the money's record for a refund.
        if (storeTransitions[current.state].includes('needs_refund')) {
          const [order] = await tx.update(storeOrders).set({ state: 'needs_refund', holdExpiresAt: null, updatedAt: now }).where(eq(storeOrders.id, orderId)).returning();
          await this.audit(tx, orderId, current.state, 'needs_refund', actor, `payment ${facts.telegramChargeId}: stock gone`);
          return { status: 'needs_refund' as const, order: order! };
        }
        await this.audit(tx, orderId, current.state, current.state, actor, `extra payment ${facts.telegramChargeId}: refund needed`);
        return { status: 'needs_refund' as const, order: current };
      }
      const [order] = await tx.update(storeOrders).set({ state: 'paid', holdExpiresAt: null, paidAt: now, updatedAt: now }).where(eq(storeOrders.id, orderId)).returning();
      await this.audit(tx, orderId, current.state, 'paid', actor, `payment ${facts.telegramChargeId}`);
      await tx.delete(cartItems).where(and(eq(cartItems.customerId, current.customerId), inArray(cartItems.variantId, lines.map((l) => l.variantId))));
      if (order!.address && order!.recipient !== null && order!.phone !== null) {
        await tx
          .insert(storeAddresses)
          .values({ customerId: current.customerId, recipient: order!.recipient, phone: order!.phone, city: '', address: order!.address, usedAt: now })
          .onConflictDoUpdate({ target: [storeAddresses.customerId, storeAddresses.recipient, storeAddresses.phone, storeAddresses.address], set: { usedAt: now } });
      }
      return { status: 'recorded' as const, order: order! };
    });
    if (result.status === 'unrecognized') return { status: 'unrecognized', view: null };
    if (result.status === 'recorded') await this.events.stateChanged(result.order, 'pending_payment', 'paid', actor);
    return { status: result.status, view: await this.view(result.order) };
  }

  /**
   * The store job: an order still unpaid when its hold ran out (or a day after its invoice) gives
   * its stock back and expires. Re-checks everything under the row lock, so a payment that
   * arrived first wins, and a second run does nothing.
   */
  async expireUnpaid(orderId: number): Promise<'expired' | 'skipped'> {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      const [order] = await tx.select().from(storeOrders).where(eq(storeOrders.id, orderId)).for('update');
      if (!order || order.state !== 'pending_payment') return 'skipped';
      if (order.holdExpiresAt && order.holdExpiresAt > now) return 'skipped';
      if (order.holdExpiresAt) {
        const lines = await tx.select().from(storeOrderLines).where(eq(storeOrderLines.orderId, orderId)).orderBy(asc(storeOrderLines.variantId));
        for (const l of lines) {
          await tx.update(storeVariants).set({ held: sql`${storeVariants.held} - ${l.qty}` }).where(eq(storeVariants.id, l.variantId));
        }
      }
      await tx.update(storeOrders).set({ state: 'expired', holdExpiresAt: null, updatedAt: now }).where(eq(storeOrders.id, orderId));
      await this.audit(tx, orderId, 'pending_payment', 'expired', 'system', order.holdExpiresAt ? 'hold released: not paid in time' : 'invoice not paid');
      return 'expired';
    });
  }

  /** Ops: paid → shipped with the carrier and tracking number; the customer is told (store job). */
  async ship(orderId: number, carrier: string, trackingNo: string, actor: string): Promise<StoreOrder> {
    if (!/^[A-Za-z0-9-]{6,40}$/.test(trackingNo) || !/^[A-Za-z]{2,10}$/.test(carrier)) throw new StoreOrderError('bad_tracking');
    return this.move(orderId, 'paid', 'shipped', actor, { carrier: carrier.toUpperCase(), trackingNo, shippedAt: this.now() }, `${carrier.toUpperCase()} ${trackingNo}`);
  }

  async deliver(orderId: number, actor: string): Promise<StoreOrder> {
    return this.move(orderId, 'shipped', 'delivered', actor, { deliveredAt: this.now() });
  }

  private async move(orderId: number, from: StoreOrderState, to: StoreOrderState, actor: string, patch: Partial<StoreOrder>, note?: string): Promise<StoreOrder> {
    const order = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(storeOrders).where(eq(storeOrders.id, orderId)).for('update');
      if (!current) throw new StoreOrderError('order_not_found');
      if (current.state !== from) throw new StoreOrderError('wrong_state', `store order is ${current.state}`, { state: current.state });
      const [updated] = await tx.update(storeOrders).set({ ...patch, state: to, updatedAt: this.now() }).where(eq(storeOrders.id, orderId)).returning();
      await this.audit(tx, orderId, from, to, actor, note);
      return updated!;
    });
    await this.events.stateChanged(order, from, to, actor);
    return order;
  }

  private async audit(tx: Tx, orderId: number, from: StoreOrderState | null, to: StoreOrderState, actor: string, note?: string) {
    await tx.insert(storeOrderEvents).values({ orderId, fromState: from, toState: to, actor, note: note ?? null, createdAt: this.now() });
  }
}

/** "Tesla T-shirt · Black · M" as a localized snapshot for the order line. */
function variantName(
  name: { 'zh-CN': string; en: string },
  a: { label?: { 'zh-CN': string; en: string }; colour?: { 'zh-CN': string; en: string }; size?: string; model?: string },
): { 'zh-CN': string; en: string } {
  const part = (lng: 'zh-CN' | 'en') =>
    [name[lng], a.label?.[lng], a.model ? modelName(a.model) : undefined, a.colour?.[lng], a.size].filter(Boolean).join(' · ');
  return { 'zh-CN': part('zh-CN'), en: part('en') };
}

/** 'model-y' → 'Model Y' (model names are the same in both languages). */
export const modelName = (id: string): string => id.replace(/^model-(\w+)$/, (_, m: string) => `Model ${m.toUpperCase()}`);
