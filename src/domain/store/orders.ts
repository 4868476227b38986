import { and, asc, desc, eq, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  customers,
  storeOrderEvents,
  storeOrderLines,
  storeOrders,
  storePayments,
  storeProducts,
  storeVariants,
  type StoreOrder,
  type StoreOrderState,
} from '../../db/schema/index.js';
import type { StoreEvents } from './events.js';
import { parseStorePayload, UNPAID_ORDER_HOURS } from './rules.js';
import { StoreOrderError, type StoreOrderView, type StoreRefundDue } from './types.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface StoreOrdersOptions {
  db: Db;
  now: () => Date;
  events: StoreEvents;
}

/**
 * Store orders once they exist: reading them (for the customer, ops and Telegram's shipping
 * query), and ops' steps paid → shipped → delivered, each audited. Checkout and payments, which
 * make and pay them, are in checkout.ts and payment.ts (StoreCheckoutService holds one of these).
 */
export class StoreOrders {
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly events: StoreEvents;

  constructor(opts: StoreOrdersOptions) {
    this.db = opts.db;
    this.now = opts.now;
    this.events = opts.events;
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

  /** Ops: shipped orders not yet marked delivered, oldest shipment first. */
  async inTransit(limit = 20): Promise<Array<StoreOrder & { items: number }>> {
    const rows = await this.db
      .select({ order: storeOrders, items: sql<number>`(select coalesce(sum(qty), 0)::int from store_order_lines l where l.order_id = "store_orders"."id")` })
      .from(storeOrders)
      .where(eq(storeOrders.state, 'shipped'))
      .orderBy(asc(storeOrders.shippedAt), asc(storeOrders.id))
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

  /** Ops: paid → shipped with the carrier and tracking number; the customer is told (store job). */
  async ship(orderId: number, carrier: string, trackingNo: string, actor: string): Promise<StoreOrder> {
    if (!/^[A-Za-z0-9-]{6,40}$/.test(trackingNo) || !/^[A-Za-z]{2,10}$/.test(carrier)) throw new StoreOrderError('bad_tracking');
    return this.move(orderId, 'paid', 'shipped', actor, { carrier: carrier.toUpperCase(), trackingNo, shippedAt: this.now() }, `${carrier.toUpperCase()} ${trackingNo}`);
  }

  /**
   * Ops: money kept for a refund went back through the payment provider. Marks the order's
   * refund_needed payments refunded (or only `paymentId`), with who and when, an audit row each;
   * a needs_refund order with nothing left to refund becomes refunded (the customer is told).
   * Nothing to mark is 'wrong_state'.
   */
  async refunded(orderId: number, actor: string, paymentId?: number): Promise<StoreOrder> {
    const now = this.now();
    const { order, moved } = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(storeOrders).where(eq(storeOrders.id, orderId)).for('update');
      if (!current) throw new StoreOrderError('order_not_found');
      const which = paymentId === undefined ? [] : [eq(storePayments.id, paymentId)];
      const marked = await tx
        .update(storePayments)
        .set({ status: 'refunded', refundedBy: actor, refundedAt: now })
        .where(and(eq(storePayments.orderId, orderId), eq(storePayments.status, 'refund_needed'), ...which))
        .returning();
      for (const p of marked) await this.audit(tx, orderId, current.state, current.state, actor, `payment ${p.telegramPaymentChargeId} refunded`);
      const [left] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(storePayments)
        .where(and(eq(storePayments.orderId, orderId), eq(storePayments.status, 'refund_needed')));
      if (current.state === 'needs_refund' && left!.n === 0) {
        const [updated] = await tx.update(storeOrders).set({ state: 'refunded', updatedAt: now }).where(eq(storeOrders.id, orderId)).returning();
        await this.audit(tx, orderId, 'needs_refund', 'refunded', actor);
        return { order: updated!, moved: true };
      }
      if (marked.length === 0) throw new StoreOrderError('wrong_state', `store order is ${current.state}, no payment to refund`, { state: current.state });
      return { order: current, moved: false };
    });
    if (moved) await this.events.stateChanged(order, 'needs_refund', 'refunded', actor);
    return order;
  }

  /** Ops: store payments kept for a refund and not yet marked refunded, oldest first. */
  async refundsDue(limit = 50): Promise<StoreRefundDue[]> {
    return this.db
      .select({ payment: storePayments, order: storeOrders })
      .from(storePayments)
      .innerJoin(storeOrders, eq(storeOrders.id, storePayments.orderId))
      .where(eq(storePayments.status, 'refund_needed'))
      .orderBy(asc(storePayments.id))
      .limit(limit);
  }

  async paymentById(paymentId: number): Promise<StoreRefundDue | null> {
    const [row] = await this.db
      .select({ payment: storePayments, order: storeOrders })
      .from(storePayments)
      .innerJoin(storeOrders, eq(storeOrders.id, storePayments.orderId))
      .where(eq(storePayments.id, paymentId));
    return row ?? null;
  }

  async deliver(orderId: number, actor: string): Promise<StoreOrder> {
    return this.move(orderId, 'shipped', 'delivered', actor, { deliveredAt: this.now() });
  }

  private async move(orderId: number, from: StoreOrderState, to: StoreOrderState, actor: string, patch: Partial<StoreOrder>, note?: string): Promise<StoreOrder> {
    const order = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(storeOrders).where(eq(storeOrders.id, orderId)).for('update');
      if (!current) throw new StoreOrderError('order_not_found');
      if (current.state !== from) throw new StoreOrderError('wrong_state', `store order is ${current.state}`, { state: current.state });
      const [updated] = await tx
        .update(storeOrders)
        .set({ ...patch, state: to, updatedAt: this.now() })
        .where(eq(storeOrders.id, orderId))
        .returning();
      await this.audit(tx, orderId, from, to, actor, note);
      return updated!;
    });
    await this.events.stateChanged(order, from, to, actor);
    return order;
  }

  /** The audit row of a state change, written in the caller's transaction (checkout and payment write them too). */
  async audit(tx: Tx, orderId: number, from: StoreOrderState | null, to: StoreOrderState, actor: string, note?: string) {
    await tx.insert(storeOrderEvents).values({ orderId, fromState: from, toState: to, actor, note: note ?? null, createdAt: this.now() });
  }

  /**
   * Backstop for lost jobs (Redis flushed or down when the hold was placed): expires every unpaid
   * order whose hold ran out, or that has waited a day without one. Returns how many.
   */
  async sweepUnpaid(): Promise<number> {
    const now = this.now();
    const dayAgo = new Date(now.getTime() - UNPAID_ORDER_HOURS * 3_600_000);
    const due = await this.db
      .select({ id: storeOrders.id })
      .from(storeOrders)
      .where(and(eq(storeOrders.state, 'pending_payment'), or(lte(storeOrders.holdExpiresAt, now), and(isNull(storeOrders.holdExpiresAt), lte(storeOrders.createdAt, dayAgo)))));
    let expired = 0;
    for (const { id } of due) if ((await this.expireUnpaid(id)) === 'expired') expired++;
    return expired;
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
          await tx
            .update(storeVariants)
            .set({ held: sql`${storeVariants.held} - ${l.qty}` })
            .where(eq(storeVariants.id, l.variantId));
        }
      }
      await tx.update(storeOrders).set({ state: 'expired', holdExpiresAt: null, updatedAt: now }).where(eq(storeOrders.id, orderId));
      await this.audit(tx, orderId, 'pending_payment', 'expired', 'system', order.holdExpiresAt ? 'hold released: not paid in time' : 'invoice not paid');
      return 'expired';
    });
  }
}
