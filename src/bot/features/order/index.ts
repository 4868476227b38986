import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { myOrdersFeature } from './my-orders.js';
import { placeOrderFeature } from './order.js';

/** Car orders: placing one (name, phone, city) and "My orders" (details, cancel, store orders). */
export const orderFeature = new Composer<BotContext>(placeOrderFeature, myOrdersFeature);
