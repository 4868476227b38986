import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { defineSteps } from '../../steps.js';
import { campaignComposerFeature, composerRenderers } from './composer.js';
import { campaignControlFeature } from './control.js';
import { campaignCustomerFeature } from './customer.js';
import { campaignStepSchemas } from './steps.js';

/**
 * Broadcast campaigns: the marketer's composer (its typed answers are theirs alone), the progress
 * message's controls and /campaigns, and the customer's side (/start c-<id>-<n> links, consent).
 */
export const campaignsFeature = new Composer<BotContext>(campaignComposerFeature, campaignControlFeature, campaignCustomerFeature);
export const campaignSteps = defineSteps(campaignStepSchemas, composerRenderers);
