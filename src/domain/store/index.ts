/** The flagship store: catalog, carts, checkout, payments and shipping; the area's public API (what code outside it uses). */
export { StoreCheckoutService, type StoreCheckoutOptions } from './checkout.js';
export { seedStore } from './data.js';
export { noStoreEvents, withStoreInstallations, type StoreEvents } from './events.js';
export {
  FREE_SHIPPING_FROM_FEN,
  INSTALLABLE_STATES,
  LOW_STOCK,
  parseStorePayload,
  paymentLimitProblem,
  shippingFen,
  STORE_PAYLOAD_PREFIX,
  storeInstallable,
  storePayload,
  UNPAID_ORDER_HOURS,
} from './rules.js';
export { StoreError, StoreService, type Cart, type ProductView, type StoreServiceOptions, type VariantView } from './service.js';
export { CheckoutError, formatAddress, modelName, StoreOrderError, type StoreOrderView, type StorePaymentFacts, type StoreRecordResult, type StoreRefundDue } from './types.js';
