import type { OrderState, RefundPolicy } from '../../db/schema/index.js';

export { refundPolicies, type RefundPolicy } from '../../db/schema/index.js';

/**
 * Whether a paid order's deposit (订金) is refunded in full if the customer cancels now. The policy
 * is frozen on the order when it is placed (orders.refund_policy), so changing the configured
 * default (DEPOSIT_REFUNDABLE_UNTIL) never changes the terms of an order already accepted:
 * - 'until_vin': refundable until a vehicle (VIN) is allocated to the order, not after;
 * - 'until_delivery': refundable at any time before the car is handed over.
 */
export function depositRefundable(policy: RefundPolicy, state: OrderState): boolean {
  if (policy === 'until_vin') return state === 'deposit_paid';
  return ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled'].includes(state);
}
