/** Car orders and their lifecycle: the area's public API (what code outside it uses). */
export { OrderService, type OrderChange, type OrderServiceOptions } from './service.js';
export {
  assertTransition,
  canBookDelivery,
  canBookInstallation,
  cancellationTarget,
  canPreferWeek,
  canTransition,
  IllegalTransitionError,
  orderStates,
  type OrderState,
} from './transitions.js';
export { depositRefundable, refundPolicies, type RefundPolicy } from './refund-policy.js';
