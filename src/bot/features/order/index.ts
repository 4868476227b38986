import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { defineSteps } from '../../steps.js';
import { myOrdersFeature, myOrdersRenderers } from './my-orders.js';
import { placeOrderFeature, placeOrderRenderers } from './order.js';
import { orderStepSchemas } from './steps.js';

/** Car orders: placing one (name, phone, city) and "My orders" (details, cancel, store orders). */
export const orderFeature = new Composer<BotContext>(placeOrderFeature, myOrdersFeature);
export const orderSteps = defineSteps(orderStepSchemas, { ...placeOrderRenderers, ...myOrdersRenderers });
