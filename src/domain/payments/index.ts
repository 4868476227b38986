/** Deposit payments through Telegram: the area's public API (what code outside it uses). */
export { depositPayload, parseDepositPayload, PaymentService, type PaymentFacts, type PaymentServiceOptions } from './service.js';
