import type { OrderState } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';
import { depositRefundable, type RefundPolicy } from './refund-policy.js';

/** The states are listed beside the column they constrain (src/db/schema/orders.ts). */
export { orderStates, type OrderState } from '../../db/schema/index.js';

/**
 * The car order lifecycle: the one place that says which state may follow which. Every change of
 * `orders.state` goes through `assertTransition` and writes an audit row (see OrderService.transition).
 */
export const transitions: Readonly<Record<OrderState, readonly OrderState[]>> = {
  awaiting_deposit: ['deposit_paid', 'cancelled', 'expired'],
  deposit_paid: ['vehicle_allocated', 'refund_requested'],
  // 'cancelled' after the deposit is paid: the customer cancelled when the deposit was no longer
  // refundable under the order's refund policy (src/domain/orders/refund-policy.ts).
  vehicle_allocated: ['ready_for_delivery', 'refund_requested', 'cancelled'],
  ready_for_delivery: ['delivery_scheduled', 'refund_requested', 'cancelled'],
  delivery_scheduled: ['delivered', 'ready_for_delivery', 'refund_requested', 'cancelled'],
  delivered: [],
  cancelled: [],
  expired: [],
  refund_requested: ['refunded'],
  refunded: [],
};

export class IllegalTransitionError extends AppError<'illegal_transition'> {
  constructor(
    readonly from: OrderState,
    readonly to: OrderState,
  ) {
    super('illegal_transition', `order cannot go from ${from} to ${to}`, { from, to });
  }
}

export const canTransition = (from: OrderState, to: OrderState): boolean => transitions[from].includes(to);

export function assertTransition(from: OrderState, to: OrderState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** States in which the deposit has been paid and the car is not yet handed over. */
export const paidOpenStates: readonly OrderState[] = ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled'];

/**
 * Where a customer's "cancel order" leads from each state, if it is allowed at all: unpaid →
 * cancelled; paid → refund_requested while the deposit is refundable under the order's policy,
 * cancelled (deposit kept) after. Without a policy, as if refundable (the question "can it be cancelled").
 */
export function cancellationTarget(state: OrderState, policy?: RefundPolicy): OrderState | null {
  if (state === 'awaiting_deposit') return 'cancelled';
  if (!paidOpenStates.includes(state)) return null;
  return !policy || depositRefundable(policy, state) ? 'refund_requested' : 'cancelled';
}

/**
 * Delivery is booked once there is a car: from the ready notice (ready_for_delivery) on. Before
 * that the customer may give a preferred week (orders.preferred_delivery_week), which books nothing.
 */
export const canBookDelivery = (state: OrderState): boolean => state === 'ready_for_delivery' || state === 'delivery_scheduled';
/** A preferred delivery week can be given while the deposit is paid and the car is not ready yet. */
export const canPreferWeek = (state: OrderState): boolean => state === 'deposit_paid' || state === 'vehicle_allocated';
/** Installation can be booked once the deposit is in, and after delivery. */
export const canBookInstallation = (state: OrderState): boolean => paidOpenStates.includes(state) || state === 'delivered';
