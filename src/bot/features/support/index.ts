import { Composer } from 'telegraf';
import type { BotContext } from '../../context.js';
import { supportJoinRequests } from './access.js';
import { supportGroup } from './group.js';
import { supportBlockedWatch, supportHandoff } from './handoff.js';

/**
 * Support: join requests to the support group (agents only), agents in the support group, and customers talking to a person (the bot is paused for
 * them). The blocked-bot watch acts after the rest of the update (chatMemberTracker, mounted right
 * after this feature, marks the customer), then tells the customer's topic.
 */
export const supportFeature = new Composer<BotContext>(supportJoinRequests, supportBlockedWatch, supportGroup, supportHandoff);
