import type { ShippingOption, StoreOrderState } from '../../db/schema/index.js';
import { CNY_MAX_FEN, CNY_MIN_FEN } from '../../shared/money.js';

/** Products per page of a category list. */
export const PAGE_SIZE = 6;
/** A pre-checkout hold keeps the stock for this long; a BullMQ job releases it if unpaid. */
export const HOLD_MINUTES = 15;
/** An invoice nobody even tried to pay expires after this long (its order is closed). */
export const UNPAID_ORDER_HOURS = 24;
/** Cart rows untouched for this long are dropped. */
export const CART_DAYS = 30;
/** At most this many of one variant in a cart (the CHECK on cart_items says 99). */
export const MAX_QTY = 20;
/** "Only 3 left" below this many sellable units. */
export const LOW_STOCK = 3;

/** JD standard: free from ¥500 of goods, else ¥15; JD next-day: ¥30. */
export const FREE_SHIPPING_FROM_FEN = 50_000;
const STANDARD_FEN = 1_500;
const EXPRESS_FEN = 3_000;

export function shippingFen(option: ShippingOption, goodsFen: number): number {
  if (option === 'express') return EXPRESS_FEN;
  return goodsFen >= FREE_SHIPPING_FROM_FEN ? 0 : STANDARD_FEN;
}

/**
 * Telegram takes one CNY payment between CNY_MIN_FEN and CNY_MAX_FEN (¥6.44 … ¥64,441, from
 * https://core.telegram.org/bots/payments/currencies.json, min_amount/max_amount of "CNY"; see
 * src/shared/money.ts). A cart is checked with the dearest shipping, so no option can push the
 * invoice over the limit.
 */
export function paymentLimitProblem(goodsFen: number): 'over_limit' | 'under_limit' | null {
  if (goodsFen + EXPRESS_FEN > CNY_MAX_FEN) return 'over_limit';
  if (goodsFen < CNY_MIN_FEN) return 'under_limit';
  return null;
}

export const STORE_PAYLOAD_PREFIX = 'store:';
/** Invoice payloads name the store order; ≤ 128 bytes, and never trusted without a database check. */
export const storePayload = (orderId: number): string => `${STORE_PAYLOAD_PREFIX}${orderId}`;
export function parseStorePayload(payload: string): number | null {
  const m = /^store:(\d{1,10})$/.exec(payload);
  return m ? Number(m[1]) : null;
}

/** Which state may follow which; every change writes a store_order_events row. */
export const storeTransitions: Readonly<Record<StoreOrderState, readonly StoreOrderState[]>> = {
  pending_payment: ['paid', 'expired', 'cancelled', 'needs_refund'],
  expired: ['paid', 'needs_refund'],
  cancelled: ['paid', 'needs_refund'],
  paid: ['shipped'],
  shipped: ['delivered'],
  delivered: [],
  needs_refund: ['refunded'],
  refunded: [],
};

/** Tracking numbers as couriers print them: letters and digits, 6–40. */
export const TRACKING_RE = /^[A-Za-z0-9-]{6,40}$/;
export const CARRIERS = ['JD', 'SF', 'EMS'] as const;

/** Store orders whose goods are the customer's: a charger in them can get its installation booked. */
export const INSTALLABLE_STATES: readonly StoreOrderState[] = ['paid', 'shipped', 'delivered'];

/** A paid store order with a product that needs an installer (the Wall Connector). */
export const storeInstallable = (view: { order: { state: string }; lines: Array<{ needsInstallation: boolean }> }): boolean =>
  (INSTALLABLE_STATES as readonly string[]).includes(view.order.state) && view.lines.some((l) => l.needsInstallation);
