import type { OrderState } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';

/** The states are listed beside the column they constrain (src/db/schema/orders.ts). */
export { orderStates, type OrderState } from '../../db/schema/index.js';

/**
 * The car order lifecycle: the one place that says which state may follow which. Every change of
 * `orders.state` goes through `assertTransition` and writes an audit row (see OrderService.transition).
 */
export const transitions: Readonly<Record<OrderState, readonly OrderState[]>> = {
  awaiting_deposit: ['deposit_paid', 'cancelled', 'expired'],
  deposit_paid: ['vehicle_allocated', 'refund_requested'],
  vehicle_allocated: ['ready_for_delivery', 'refund_requested'],
  ready_for_delivery: ['delivery_scheduled', 'refund_requested'],
  delivery_scheduled: ['delivered', 'ready_for_delivery', 'refund_requested'],
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

/** Where a customer's "cancel order" leads from each state, if it is allowed at all. */
export function cancellationTarget(state: OrderState): OrderState | null {
  if (state === 'awaiting_deposit') return 'cancelled';
  if (paidOpenStates.includes(state)) return 'refund_requested';
  return null;
}

/** Delivery and installation can be booked once the deposit is in and until the car is delivered. */
export const canBookDelivery = (state: OrderState): boolean => paidOpenStates.includes(state);
export const canBookInstallation = (state: OrderState): boolean => paidOpenStates.includes(state) || state === 'delivered';
