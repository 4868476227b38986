import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customers, orders, payments, unmatchedPayments, type Order } from '../../db/schema/index.js';
import { OrderService } from '../orders/index.js';

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
  | { status: 'recorded'; order: Order }
  | { status: 'duplicate'; order: Order }
  /** Money arrived for an order that no longer awaits it (cancelled in the seconds after pre-checkout). */
  | { status: 'needs_refund'; order: Order }
  /** Money arrived with a payload naming no order of ours: for recordUnmatched, and a manual refund. */
  | { status: 'unrecognized'; order: null };

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
   * nothing and reports 'duplicate'.
   */
  async recordDeposit(facts: PaymentFacts & { telegramChargeId: string; providerChargeId: string }): Promise<RecordResult> {
    const orderId = parseDepositPayload(facts.payload);
    if (orderId === null) return { status: 'unrecognized', order: null };
    const result = await this.db.transaction(async (tx): Promise<RecordResult> => {
      // Lock the order first: two charges for one order then queue up here instead of deadlocking
      // on the payments → orders foreign key, and each decides from the state the other left.
      const [row] = await tx
        .select({ order: orders, tg: customers.telegramId })
        .from(orders)
        .innerJoin(customers, eq(customers.id, orders.customerId))
        .where(eq(orders.id, orderId))
        .for('update', { of: orders });
      // Pre-checkout refused anyone else; a payment from another person (a forged or stray update)
      // must not pay someone's order: it is kept with the unmatched payments for a refund instead.
      if (!row || Number(row.tg) !== facts.payerTelegramId) return { status: 'unrecognized', order: null } as const;
      const current = row.order;
      const inserted = await tx
        .insert(payments)
        .values({
          orderId,
          telegramPaymentChargeId: facts.telegramChargeId,
          providerPaymentChargeId: facts.providerChargeId,
          amountFen: facts.totalAmount,
          currency: facts.currency,
          payerTelegramId: facts.payerTelegramId,
        })
        .onConflictDoNothing({ target: payments.telegramPaymentChargeId })
        .returning({ id: payments.id });
      if (inserted.length === 0) return { status: 'duplicate', order: current } as const;
      if (current.state !== 'awaiting_deposit') {
        // Keep the payment row (the money is real); ops refund it through the provider.
        return { status: 'needs_refund', order: current } as const;
      }
      const order = await this.orders.transition(orderId, 'deposit_paid', `customer:${facts.payerTelegramId}`, {
        tx,
        note: `payment ${facts.telegramChargeId}`,
      });
      return { status: 'recorded', order } as const;
    });
    if (result.status === 'recorded') {
      await this.orders.announce({ order: result.order, from: 'awaiting_deposit', to: 'deposit_paid', actor: `customer:${facts.payerTelegramId}` });
    }
    return result;
  }
}
