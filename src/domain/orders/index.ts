/** Car orders and their lifecycle: the area's public API (what code outside it uses). */
export { OrderService, type OrderChange, type OrderServiceOptions } from './service.js';
export { assertTransition, canBookDelivery, canBookInstallation, cancellationTarget, canTransition, IllegalTransitionError, orderStates, type OrderState } from './transitions.js';
