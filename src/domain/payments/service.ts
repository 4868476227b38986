import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customers, orderEvents, orders, payments, unmatchedPayments, type Order, type Payment, type PaymentProblem } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';
import { OrderService } from '../orders/index.js';

/** Working days within which money that could not be applied goes back (told to the customer). */
export const REFUND_WORKING_DAYS = 7;

/** Invoice payloads name what is paid for; ≤ 128 bytes, and never trusted without a database check. */
export const depositPayload = (orderId: number): string => `deposit:${orderId}`;

export function parseDepositPayload(payload: string): number | null {
  const m = /^deposit:(\d{1,10})$/.exec(payload);
  return m ? Number(m[1]) : null;
}

export type PreCheckoutRefusal = 'order_not_found' | 'not_your_order' | 'already_paid' | 'order_closed' | 'amount_mismatch' | 'currency_mismatch';

export interface PaymentFacts {
  payload: string;
  currency: string;
  totalAmount: number;
  payerTelegramId: number;
}

export type RecordResult =
  | { status: 'recorded'; order: Order; payment: Payment }
  /**
   * The charge was recorded before (a redelivered update, or a handler run again): `payment` is
   * that row; its `receiptSentAt` says whether the payer was told the outcome (see `receiptSent`).
   */
  | { status: 'duplicate'; order: Order; payment: Payment }
  /**
   * Money arrived that cannot pay the order: it no longer awaits it (cancelled or expired in the
   * seconds after pre-checkout, or paid already), or the amount, currency or payer is not the
   * order's (a forged update). The payment row is kept, marked refund_needed with its problem.
   */
  | { status: 'needs_refund'; order: Order; problem: PaymentProblem; payment: Payment }
  /** Money arrived with a payload naming no order of ours: kept nowhere, logged for a manual refund. */
  | { status: 'unrecognized'; order: null };

/** Staff marked refunded a payment (or an order's payments) that no longer waits for a refund. */
export class PaymentRefundError extends AppError<'no_refund_due'> {}

export interface PaymentServiceOptions {
  db: Db;
  /** Moves the paid order on (and announces it). */
  orders: OrderService;
}

export class PaymentService {
  private readonly db: Db;
  private readonly orders: OrderService;

  constructor(opts: PaymentServiceOptions) {
    this.db = opts.db;
    this.orders = opts.orders;
  }

  /**
   * Everything Telegram lets us refuse before money moves: the order exists, is the payer's, still
   * awaits its deposit, and the currency and amount are the ones we asked for.
   */
  async checkDeposit(facts: PaymentFacts): Promise<{ ok: true; order: Order } | { ok: false; reason: PreCheckoutRefusal }> {
    const orderId = parseDepositPayload(facts.payload);
    if (orderId === null) return { ok: false, reason: 'order_not_found' };
    const [row] = await this.db
      .select({ order: orders, payerTelegramId: customers.telegramId })
      .from(orders)
      .innerJoin(customers, eq(customers.id, orders.customerId))
      .where(eq(orders.id, orderId));
    if (!row) return { ok: false, reason: 'order_not_found' };
    if (row.payerTelegramId !== facts.payerTelegramId) return { ok: false, reason: 'not_your_order' };
    if (row.order.state !== 'awaiting_deposit') {
      return { ok: false, reason: row.order.state === 'cancelled' || row.order.state === 'expired' ? 'order_closed' : 'already_paid' };
    }
    if (facts.currency !== row.order.currency) return { ok: false, reason: 'currency_mismatch' };
    if (facts.totalAmount !== row.order.depositFen) {
      return { ok: false, reason: 'amount_mismatch' };
    }
    return { ok: true, order: row.order };
  }

  /**
   * Keeps a payment whose payload names no order of ours (either kind), once per charge id: true
   * the first time, false for a repeat (so ops are told once and nothing is logged again).
   */
  async recordUnmatched(facts: PaymentFacts & { kind: 'deposit' | 'store'; telegramChargeId: string; providerChargeId: string }): Promise<boolean> {
    const rows = await this.db
      .insert(unmatchedPayments)
      .values({
        kind: facts.kind,
        telegramPaymentChargeId: facts.telegramChargeId,
        providerPaymentChargeId: facts.providerChargeId,
        payload: facts.payload,
        amount: facts.totalAmount,
        currency: facts.currency,
        payerTelegramId: facts.payerTelegramId,
      })
      .onConflictDoNothing({ target: unmatchedPayments.telegramPaymentChargeId })
      .returning({ id: unmatchedPayments.id });
    return rows.length > 0;
  }

  /**
   * Records a successful payment exactly once (unique telegram_payment_charge_id) and moves the
   * order to deposit_paid in the same transaction. A second delivery of the same update changes
   * nothing and reports 'duplicate'. The payer, currency and amount are checked against the order
   * again here (an update can be forged; pre-checkout is not proof): a payment that cannot pay the
   * order is kept as refund_needed with its problem and an audit row, and the order is not moved.
   */
  async recordDeposit(facts: PaymentFacts & { telegramChargeId: string; providerChargeId: string }): Promise<RecordResult> {
    const orderId = parseDepositPayload(facts.payload);
    if (orderId === null) return { status: 'unrecognized', order: null };
    const result = await this.db.transaction(async (tx): Promise<RecordResult> => {
      // Lock the order first: two charges for one order then queue up here instead of deadlocking
      // on the payments → orders foreign key, and each decides from the state the other left.
      const [row] = await tx
        .select({ order: orders, ownerTelegramId: customers.telegramId })
        .from(orders)
        .innerJoin(customers, eq(customers.id, orders.customerId))
        .where(eq(orders.id, orderId))
        .for('update', { of: orders });
      if (!row) return { status: 'unrecognized', order: null } as const;
      const current = row.order;
      const problem = depositProblem(current, Number(row.ownerTelegramId), facts);
      const inserted = await tx
        .insert(payments)
        .values({
          orderId,
          telegramPaymentChargeId: facts.telegramChargeId,
          providerPaymentChargeId: facts.providerChargeId,
          amountFen: facts.totalAmount,
          currency: facts.currency,
          payerTelegramId: facts.payerTelegramId,
          status: problem ? 'refund_needed' : 'applied',
          problem,
        })
        .onConflictDoNothing({ target: payments.telegramPaymentChargeId })
        .returning();
      const payment = inserted[0];
      if (!payment) {
        const [first] = await tx.select().from(payments).where(eq(payments.telegramPaymentChargeId, facts.telegramChargeId));
        return { status: 'duplicate', order: current, payment: first! } as const;
      }
      if (problem) {
        // Keep the payment row (the money is real); ops refund it through the provider and mark it
        // refunded (markRefunded). The order's trail says so.
        await tx.insert(orderEvents).values({
          orderId,
          subject: 'payment',
          fromState: null,
          toState: 'refund_needed',
          actor: `customer:${facts.payerTelegramId}`,
          note: `payment ${facts.telegramChargeId}: ${problem}`,
        });
        return { status: 'needs_refund', order: current, problem, payment } as const;
      }
      const order = await this.orders.transition(orderId, 'deposit_paid', `customer:${facts.payerTelegramId}`, {
        tx,
        note: `payment ${facts.telegramChargeId}`,
      });
      return { status: 'recorded', order, payment } as const;
    });
    if (result.status === 'recorded') {
      await this.orders.announce({ order: result.order, from: 'awaiting_deposit', to: 'deposit_paid', actor: `customer:${facts.payerTelegramId}` });
    }
    return result;
  }

  /**
   * The payer was told the payment's outcome (the receipt, or the refund notice): a later delivery of
   * the same charge then stays silent, while one that finds this unset tells them.
   */
  async receiptSent(paymentId: number): Promise<void> {
    await this.db
      .update(payments)
      .set({ receiptSentAt: sql`now()` })
      .where(eq(payments.id, paymentId));
  }

  /** Deposits kept for a refund and not yet marked refunded, oldest first (the ops worklist). */
  async refundsDue(limit = 50): Promise<Array<{ payment: Payment; order: Order }>> {
    return this.db
      .select({ payment: payments, order: orders })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(eq(payments.status, 'refund_needed'))
      .orderBy(asc(payments.id))
      .limit(limit);
  }

  async paymentById(paymentId: number): Promise<{ payment: Payment; order: Order } | null> {
    const [row] = await this.db.select({ payment: payments, order: orders }).from(payments).innerJoin(orders, eq(orders.id, payments.orderId)).where(eq(payments.id, paymentId));
    return row ?? null;
  }

  /**
   * Staff say the money of refund_needed payments went back through the payment provider (CNY
   * payments are refunded there, not through the Bot API): one payment (`paymentId`) or all of an
   * order's (`orderId`). Records who and when on the payment, and an audit row on the order's trail.
   * Nothing to mark is a PaymentRefundError('no_refund_due').
   */
  async markRefunded(which: { paymentId: number } | { orderId: number }, actor: string): Promise<Payment[]> {
    return this.db.transaction(async (tx) => {
      const marked = await tx
        .update(payments)
        .set({ status: 'refunded', refundedBy: actor, refundedAt: sql`now()` })
        .where(and(eq(payments.status, 'refund_needed'), 'paymentId' in which ? eq(payments.id, which.paymentId) : eq(payments.orderId, which.orderId)))
        .returning();
      if (marked.length === 0) throw new PaymentRefundError('no_refund_due', 'no payment waiting for a refund', which);
      for (const p of marked) {
        await tx.insert(orderEvents).values({
          orderId: p.orderId,
          subject: 'payment',
          fromState: 'refund_needed',
          toState: 'refunded',
          actor,
          note: `payment ${p.telegramPaymentChargeId}`,
        });
      }
      return marked;
    });
  }
}

/** Why a payment with these facts cannot pay `order` (whose customer is `ownerTelegramId`), or null. */
function depositProblem(order: Order, ownerTelegramId: number, facts: PaymentFacts): PaymentProblem | null {
  if (ownerTelegramId !== facts.payerTelegramId) return 'payer_mismatch';
  if (facts.currency !== order.currency) return 'currency_mismatch';
  if (facts.totalAmount !== order.depositFen) return 'amount_mismatch';
  if (order.state === 'cancelled' || order.state === 'expired') return 'order_closed';
  if (order.state !== 'awaiting_deposit') return 'already_paid';
  return null;
}
