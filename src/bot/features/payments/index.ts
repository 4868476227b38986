import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { depositPaymentsFeature } from '../deposit/index.js';
import { storePaymentsFeature } from '../store/store-payments.js';

/**
 * Every payment update (shipping_query, pre_checkout_query, successful_payment), mounted before
 * all other features in src/bot/index.ts: a staff member who is also a customer may pay while
 * their chat is on a typed step (a VIN, a tracking number, a campaign's text), and the money must
 * be recorded, never taken for that step's answer. Store invoices first (payload `store:`), then
 * the car deposit; other updates pass on untouched.
 */
export const paymentsFeature = new Composer<BotContext>(storePaymentsFeature, depositPaymentsFeature);
