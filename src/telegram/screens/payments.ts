import type { Order, Payment, PaymentProblem, StoreOrder, StorePayment } from '../../db/schema/index.js';
import { REFUND_WORKING_DAYS } from '../../domain/payments/index.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { menuButton } from './common.js';

/**
 * Money that could not be applied to an order (src/domain/payments/service.ts, src/domain/store/payment.ts):
 * what the payer is told, and what ops see in the worklist before they refund it.
 */

/**
 * The payer's notice: the payment could not be applied, why, and that it comes back in full to
 * the original payment method within REFUND_WORKING_DAYS working days. Someone paying another
 * customer's invoice is not told the order's number.
 */
export function paymentNotApplied(f: Fmt, p: { amountFen: number; number: string; problem: PaymentProblem }): Screen {
  const common = { amount: f.money(p.amountFen), days: REFUND_WORKING_DAYS };
  const text =
    p.problem === 'payer_mismatch'
      ? f.t('payments.not_applied_foreign', common)
      : f.t('payments.not_applied', { ...common, number: p.number, reason: f.t(`payments.reason.${p.problem}`) });
  return { text, keyboard: [[menuButton(f)]] };
}

/** A payment waiting for its refund, car deposit or store payment alike. */
export interface RefundDue {
  kind: 'car' | 'store';
  payment: Payment | StorePayment;
  order: Order | StoreOrder;
}

export const refundReason = (f: Fmt, payment: Payment | StorePayment): string => f.t(`payments.reason.${payment.problem ?? 'order_closed'}`);

export function refundEntryLabel(f: Fmt, r: RefundDue): string {
  return f.t('payments.ops.entry', { number: r.order.number, amount: f.money(r.payment.amountFen), reason: refundReason(f, r.payment) });
}

/** Car deposits and store payments waiting for a refund, oldest first. */
export function mergeRefunds(car: Array<{ payment: Payment; order: Order }>, store: Array<{ payment: StorePayment; order: StoreOrder }>): RefundDue[] {
  return [...car.map((r) => ({ kind: 'car' as const, ...r })), ...store.map((r) => ({ kind: 'store' as const, ...r }))].sort(
    (a, b) => a.payment.createdAt.getTime() - b.payment.createdAt.getTime(),
  );
}
