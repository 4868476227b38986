import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { defineSteps } from '../../steps.js';
import { shopFeature, shopRenderers } from './store.js';
import { storeOpsFeature, storeOpsRenderers } from './store-ops.js';
import { storePaymentsFeature } from './store-payments.js';
import { storeStepSchemas } from './steps.js';

/**
 * The flagship store. Order matters: staff's /ops ship (and its typed tracking number) first, then
 * the store's payment handlers (before the car deposit's; other payloads pass on), then the shop.
 */
export const storeFeature = new Composer<BotContext>(storeOpsFeature, storePaymentsFeature, shopFeature);
export const storeSteps = defineSteps(storeStepSchemas, { ...shopRenderers, ...storeOpsRenderers });
