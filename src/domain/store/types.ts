import type { PaymentProblem, StoreOrder, StoreOrderLine, StorePayment } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';
import type { Locale } from '../../shared/locale.js';

/** The store's order types, errors and small pure helpers (checkout.ts holds the rules). */

export interface StoreOrderView {
  order: StoreOrder;
  lines: Array<StoreOrderLine & { productId: string; needsInstallation: boolean }>;
}

export type CheckoutRefusal = 'empty_cart' | 'cart_problems' | 'over_limit' | 'under_limit' | 'unknown_address';
export class CheckoutError extends AppError<CheckoutRefusal> {}

export type StoreOrderErrorCode = 'order_not_found' | 'not_your_order' | 'wrong_state' | 'bad_tracking';
export class StoreOrderError extends AppError<StoreOrderErrorCode> {}

export type StorePreCheckoutRefusal =
  'order_not_found' | 'not_your_order' | 'already_paid' | 'order_closed' | 'price_changed' | 'sold_out' | 'amount_mismatch' | 'currency_mismatch' | 'no_shipping';

export interface StorePaymentFacts {
  payload: string;
  currency: string;
  totalAmount: number;
  payerTelegramId: number;
  /** Telegram's shipping flow: the option picked in the invoice and the address typed there. */
  shippingOptionId?: string;
  orderInfo?: { name?: string; phone_number?: string; shipping_address?: TelegramAddress };
}
export interface TelegramAddress {
  country_code: string;
  state: string;
  city: string;
  street_line1: string;
  street_line2: string;
  post_code: string;
}

export type StoreRecordResult =
  | { status: 'recorded'; view: StoreOrderView; paymentId: number }
  /**
   * The charge was recorded before (a redelivered update, or a handler run again): `payment` is that
   * row; its `receiptSentAt` says whether the payer was told the outcome (StorePayments.receiptSent).
   */
  | { status: 'duplicate'; view: StoreOrderView; payment: StorePayment }
  /**
   * Money in, goods not: the hold had lapsed and the stock went to someone else, the order was paid
   * already, or the payment is not the order's (payer, currency, amount). Kept for a refund.
   */
  | { status: 'needs_refund'; view: StoreOrderView; problem: PaymentProblem; paymentId: number }
  | { status: 'unrecognized'; view: null };

/** A store payment kept for a refund, with its order (the ops worklist). */
export interface StoreRefundDue {
  payment: StorePayment;
  order: StoreOrder;
}

/** Thrown inside a transaction to roll it back with a refusal. */
export class Refused extends Error {
  constructor(readonly reason: StorePreCheckoutRefusal) {
    super(reason);
  }
}

export const formatAddress = (a: TelegramAddress): string =>
  [[a.street_line1, a.street_line2].filter(Boolean).join(' '), a.city, [a.state, a.post_code].filter(Boolean).join(' ')].filter(Boolean).join(', ');

/** "Tesla T-shirt · Black · M" as a localized snapshot for the order line. */
export function variantName(
  name: { 'zh-CN': string; en: string },
  a: { label?: { 'zh-CN': string; en: string }; colour?: { 'zh-CN': string; en: string }; size?: string; model?: string },
): { 'zh-CN': string; en: string } {
  const part = (lng: Locale) => [name[lng], a.label?.[lng], a.model ? modelName(a.model) : undefined, a.colour?.[lng], a.size].filter(Boolean).join(' · ');
  return { 'zh-CN': part('zh-CN'), en: part('en') };
}

/** 'model-y' → 'Model Y' (model names are the same in both languages). */
export const modelName = (id: string): string => id.replace(/^model-(\w+)$/, (_, m: string) => `Model ${m.toUpperCase()}`);
