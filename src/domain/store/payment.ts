import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  cartItems,
  customers,
  shippingOptions,
  storeAddresses,
  storeOrderLines,
  storeOrders,
  storePayments,
  storeVariants,
  type PaymentProblem,
  type StoreOrder,
} from '../../db/schema/index.js';
import type { StoreEvents } from './events.js';
import { markLowStock } from '../stock/low-stock.js';
import type { StoreOrders } from './orders.js';
import { HOLD_MINUTES, parseStorePayload, shippingFen, storeTransitions } from './rules.js';
import { formatAddress, Refused, type StorePaymentFacts, type StorePreCheckoutRefusal, type StoreRecordResult } from './types.js';

/** A variant ops have not taken off the shelf, of a product they have not either: only those are held for an invoice. */
const onShelf = sql`not ${storeVariants.hidden} and not exists (select 1 from store_products p where p.id = ${storeVariants.productId} and p.hidden)`;

export interface StorePaymentsOptions {
  db: Db;
  now: () => Date;
  events: StoreEvents;
  /** The orders' reads and audit rows. */
  orders: StoreOrders;
}

/**
 * The money side of a store order made at checkout (checkout.ts): pre-checkout reserves the
 * stock (`held`) with guarded UPDATEs, so two customers can never both pay for the last unit;
 * the payment turns the hold into a sale exactly once (unique telegram_payment_charge_id).
 */
export class StorePayments {
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly events: StoreEvents;
  private readonly orders: StoreOrders;

  constructor(opts: StorePaymentsOptions) {
    this.db = opts.db;
    this.now = opts.now;
    this.events = opts.events;
    this.orders = opts.orders;
  }

  /**
   * Everything checked before money moves, then the stock reserved in the same transaction: each
   * line's price is still the variant's price, the amount is goods + shipping, and every variant
   * has `stock - held >= qty` (guarded UPDATE, variants in id order so two holds cannot deadlock).
   * A repeated pre-checkout for an order already holding its stock passes without holding twice;
   * one whose hold lapsed but was not yet released extends that hold (and queues its release anew).
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
        const prices = await tx
          .select({ id: storeVariants.id, priceFen: storeVariants.priceFen })
          .from(storeVariants)
          .where(
            inArray(
              storeVariants.id,
              lines.map((l) => l.variantId),
            ),
          );
        for (const l of lines) if (prices.find((p) => p.id === l.variantId)?.priceFen !== l.unitPriceFen) throw new Refused('price_changed');
        // A hold that lapsed but was not released yet (its release job has not run) still counts in
        // `held`: it is extended, never added a second time (expireUnpaid in orders.ts gives back
        // one hold per order, so a second one would stay held for ever).
        const extending = order.holdExpiresAt !== null;
        if (!extending) {
          for (const l of lines) {
            const held = await tx
              .update(storeVariants)
              .set({ held: sql`${storeVariants.held} + ${l.qty}` })
              .where(and(eq(storeVariants.id, l.variantId), sql`${storeVariants.stock} - ${storeVariants.held} >= ${l.qty}`, onShelf))
              .returning({ id: storeVariants.id });
            if (held.length === 0) throw new Refused('sold_out');
          }
        }
        const holdExpiresAt = new Date(now.getTime() + HOLD_MINUTES * 60_000);
        const [updated] = await tx
          .update(storeOrders)
          .set({ ...patch, holdExpiresAt, updatedAt: now })
          .where(eq(storeOrders.id, order.id))
          .returning();
        const note = `stock ${extending ? 'hold extended' : 'held'} until ${holdExpiresAt.toISOString()}`;
        await this.orders.audit(tx, order.id, 'pending_payment', 'pending_payment', `customer:${facts.payerTelegramId}`, note);
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
   * is kept and the order marked needs_refund. The bought lines leave the cart. A payment that
   * cannot be applied (see paymentMismatch, an order already paid, the stock gone) is kept with
   * status refund_needed and its problem, for ops to refund (StoreOrders.refunded).
   */
  async recordPayment(facts: StorePaymentFacts & { telegramChargeId: string; providerChargeId: string }): Promise<StoreRecordResult> {
    const orderId = parseStorePayload(facts.payload);
    if (orderId === null) return { status: 'unrecognized', view: null };
    const actor = `customer:${facts.payerTelegramId}`;
    const now = this.now();
    const result = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ order: storeOrders, tg: customers.telegramId })
        .from(storeOrders)
        .innerJoin(customers, eq(customers.id, storeOrders.customerId))
        .where(eq(storeOrders.id, orderId))
        .for('update', { of: storeOrders });
      if (!row) return { status: 'unrecognized' as const, order: null };
      const current = row.order;
      // Pre-checkout refused anyone else and any other amount or currency; a payment that still
      // differs (a forged update) must not sell: it is kept, marked for a refund, with its problem.
      const mismatch = paymentMismatch(current, Number(row.tg), facts);
      const inserted = await tx
        .insert(storePayments)
        .values({
          orderId,
          telegramPaymentChargeId: facts.telegramChargeId,
          providerPaymentChargeId: facts.providerChargeId,
          amountFen: facts.totalAmount,
          currency: facts.currency,
          payerTelegramId: facts.payerTelegramId,
          status: mismatch ? 'refund_needed' : 'applied',
          problem: mismatch,
        })
        .onConflictDoNothing({ target: storePayments.telegramPaymentChargeId })
        .returning({ id: storePayments.id });
      if (inserted.length === 0) {
        const [first] = await tx.select().from(storePayments).where(eq(storePayments.telegramPaymentChargeId, facts.telegramChargeId));
        return { status: 'duplicate' as const, order: current, payment: first! };
      }
      const paymentId = inserted[0]!.id;
      if (mismatch) {
        await this.orders.audit(tx, orderId, current.state, current.state, actor, `payment ${facts.telegramChargeId}: ${mismatch}, refund needed`);
        return { status: 'needs_refund' as const, order: current, problem: mismatch, paymentId };
      }
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
        const problem: PaymentProblem = storeTransitions[current.state].includes('needs_refund') ? 'sold_out' : 'already_paid';
        await tx.update(storePayments).set({ status: 'refund_needed', problem }).where(eq(storePayments.id, paymentId));
        if (problem === 'sold_out') {
          const [order] = await tx.update(storeOrders).set({ state: 'needs_refund', holdExpiresAt: null, updatedAt: now }).where(eq(storeOrders.id, orderId)).returning();
          await this.orders.audit(tx, orderId, current.state, 'needs_refund', actor, `payment ${facts.telegramChargeId}: stock gone`);
          return { status: 'needs_refund' as const, order: order!, problem, paymentId };
        }
        await this.orders.audit(tx, orderId, current.state, current.state, actor, `extra payment ${facts.telegramChargeId}: refund needed`);
        return { status: 'needs_refund' as const, order: current, problem, paymentId };
      }
      const [order] = await tx.update(storeOrders).set({ state: 'paid', holdExpiresAt: null, paidAt: now, updatedAt: now }).where(eq(storeOrders.id, orderId)).returning();
      await this.orders.audit(tx, orderId, current.state, 'paid', actor, `payment ${facts.telegramChargeId}`);
      await tx.delete(cartItems).where(
        and(
          eq(cartItems.customerId, current.customerId),
          inArray(
            cartItems.variantId,
            lines.map((l) => l.variantId),
          ),
        ),
      );
      if (order!.address && order!.recipient !== null && order!.phone !== null) {
        await tx
          .insert(storeAddresses)
          .values({
            customerId: current.customerId,
            recipient: order!.recipient,
            phone: order!.phone,
            city: facts.orderInfo?.shipping_address?.city ?? '',
            address: order!.address,
            usedAt: now,
          })
          .onConflictDoUpdate({ target: [storeAddresses.customerId, storeAddresses.recipient, storeAddresses.phone, storeAddresses.address], set: { usedAt: now } });
      }
      // Ops hear once when a variant falls below its threshold (re-armed by a restock).
      const lowStock = await markLowStock(
        tx,
        lines.map((l) => l.variantId),
      );
      return { status: 'recorded' as const, order: order!, paymentId, lowStock };
    });
    if (result.status === 'unrecognized') return { status: 'unrecognized', view: null };
    if (result.status === 'needs_refund') return { status: 'needs_refund', problem: result.problem, paymentId: result.paymentId, view: await this.orders.view(result.order) };
    if (result.status === 'duplicate') return { status: 'duplicate', payment: result.payment, view: await this.orders.view(result.order) };
    await this.events.stateChanged(result.order, 'pending_payment', 'paid', actor);
    if (result.lowStock.length && this.events.lowStock) await this.events.lowStock(result.lowStock);
    return { status: 'recorded', paymentId: result.paymentId, view: await this.orders.view(result.order) };
  }

  /** The payer was told the payment's outcome: a later delivery of the same charge stays silent. */
  async receiptSent(paymentId: number): Promise<void> {
    await this.db
      .update(storePayments)
      .set({ receiptSentAt: sql`now()` })
      .where(eq(storePayments.id, paymentId));
  }
}

/**
 * A payment that cannot be this order's, whatever its state: another payer, another currency, or
 * not the invoice's amount (goods plus shipping).
 */
function paymentMismatch(order: StoreOrder, ownerTelegramId: number, facts: StorePaymentFacts): PaymentProblem | null {
  if (ownerTelegramId !== facts.payerTelegramId) return 'payer_mismatch';
  if (facts.currency !== order.currency) return 'currency_mismatch';
  // The fee is fixed at pre-checkout; without one (no pre-checkout recorded), the option paid for.
  const option = shippingOptions.find((o) => o === facts.shippingOptionId);
  const fee = order.shippingFen ?? (option ? shippingFen(option, order.goodsFen) : 0);
  if (facts.totalAmount !== order.goodsFen + fee) return 'amount_mismatch';
  return null;
}
