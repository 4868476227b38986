/** Deposit payments through Telegram: the area's public API (what code outside it uses). */
export {
  depositPayload,
  parseDepositPayload,
  PaymentRefundError,
  PaymentService,
  REFUND_WORKING_DAYS,
  type PaymentFacts,
  type PaymentServiceOptions,
  type RecordResult,
} from './service.js';
