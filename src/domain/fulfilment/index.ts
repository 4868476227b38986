/** Operations' steps after the deposit: the area's public API (what code outside it uses). */
export { findOrder, loadOrderView, nextActions, type OpsAction, type OrderView, type OrderViewServices } from './order-view.js';
export { FulfilmentService, type FulfilmentServiceOptions, type Worklist } from './service.js';
export { normalizeVin } from './vin.js';
