import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { defineSteps } from '../../steps.js';
import { shopFeature, shopRenderers } from './store.js';
import { storeOpsFeature, storeOpsRenderers } from './store-ops.js';
import { storeStepSchemas } from './steps.js';

/**
 * The flagship store. Order matters: staff's /ops ship (and its typed tracking number) first, then
 * the shop. Its payment handlers (store-payments.ts) are mounted apart, ahead of every feature
 * (src/bot/features/payments/index.ts).
 */
export const storeFeature = new Composer<BotContext>(storeOpsFeature, shopFeature);
export const storeSteps = defineSteps(storeStepSchemas, { ...shopRenderers, ...storeOpsRenderers });
