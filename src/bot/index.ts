import { Telegraf } from 'telegraf';
import type { AppDeps } from '../deps.js';
import { BotContext } from './context.js';
import { bookingFeature } from './features/booking/booking.js';
import { catalogFeature } from './features/catalog/index.js';
import { checkinFeature } from './features/booking/checkin.js';
import { opsFeature } from './features/ops/index.js';
import { staffFeature } from './features/staff/index.js';
import { depositFeature } from './features/deposit/index.js';
import { myOrdersFeature } from './features/order/my-orders.js';
import { orderFeature } from './features/order/order.js';
import { startFeature } from './features/menu/index.js';
import { unhandledFeature } from './features/unhandled.js';
import { storeFeature } from './features/store/store.js';
import { storeOpsFeature } from './features/store/store-ops.js';
import { storePaymentsFeature } from './features/store/store-payments.js';
import { campaignComposerFeature } from './features/campaigns/composer.js';
import { campaignControlFeature } from './features/campaigns/control.js';
import { campaignCustomerFeature } from './features/campaigns/customer.js';
import { settingsFeature } from './features/settings/index.js';
import { registerStaffCommands } from './commands.js';
import { supportBlockedWatch, supportHandoff } from './features/support/handoff.js';
import { supportGroup } from './features/support/group.js';
import { ChatLock } from './middlewares/chat-lock.js';
import { retryShortRateLimits } from './telegram-retry.js';
import { beginUpdate, boundary, chatMemberTracker, reportError, serialize } from './middlewares/index.js';

export type Bot = Telegraf<BotContext>;

/**
 * Builds the bot; nothing talks to Telegram until it is launched or fed updates.
 * Order matters: the boundary wraps everything; the chat's lock is taken before the update is
 * claimed and its state read (so the state is the latest); the catch-all comes last.
 */
export function createBot(deps: AppDeps, opts: { botInfo?: Bot['botInfo'] } = {}): Bot {
  const bot = new Telegraf<BotContext>(deps.config.botToken, {
    contextType: BotContext,
    handlerTimeout: deps.config.handlerTimeoutMs,
    telegram: { apiRoot: deps.config.telegramApiRoot, webhookReply: false },
  });
  if (opts.botInfo) bot.botInfo = opts.botInfo;
  const lock = new ChatLock(deps.redis, deps.config.queuePrefix, deps.config.handlerTimeoutMs + 5_000);

  bot.use(async (ctx, next) => {
    ctx.deps = deps;
    retryShortRateLimits(ctx.telegram);
    const started = performance.now();
    try {
      await next();
    } finally {
      deps.metrics.observeUpdate(performance.now() - started);
      deps.metrics.inc('updates_total');
    }
  });
  bot.use(boundary);
  bot.use(serialize(lock));
  bot.use(beginUpdate);
  bot.use(supportBlockedWatch);
  bot.use(chatMemberTracker);
  // Support handoff: agents in the support group, and customers talking to a person (bot paused).
  bot.use(supportGroup, supportHandoff);
  // Staff features come early: their commands and typed answers (a VIN) are theirs alone.
  // Campaigns: the composer's typed answers are the marketer's; /start c<id>_<n> links and the consent question come before the menu.
  bot.use(campaignComposerFeature, campaignControlFeature, campaignCustomerFeature, settingsFeature);
  // Store: staff's /ops ship first; its payment handlers before the deposit's (other payloads pass on).
  bot.use(storeOpsFeature, storePaymentsFeature, storeFeature);
  bot.use(startFeature, opsFeature, staffFeature, catalogFeature, orderFeature, depositFeature, myOrdersFeature, bookingFeature, checkinFeature);
  bot.use(unhandledFeature);

  // Errors the boundary could not handle (it rethrows nothing, so this is a last resort).
  bot.catch(async (err, ctx) => {
    deps.logger.error({ err, updateId: ctx.update.update_id }, 'unhandled error escaped the boundary');
    await reportError(ctx, err).catch(() => undefined);
  });
  return bot;
}

/** The command menu in both languages (the default list is the zh-CN one). */
export async function registerCommands(bot: Bot, deps: AppDeps): Promise<void> {
  const commands = (lng: 'zh-CN' | 'en') => customerCommands(deps, lng);
  await bot.telegram.setMyCommands(commands('en'), { language_code: 'en' });
  await bot.telegram.setMyCommands(commands('zh-CN'), { language_code: 'zh' });
  await bot.telegram.setMyCommands(commands(deps.config.defaultLocale));
  // Marketers and admins get their own list in their chat (customer commands plus /campaign, /campaigns).
  await registerStaffCommands(bot.telegram, deps);
}

/** The customer command list (staff lists in campaign-commands.ts start from it). */
export function customerCommands(deps: AppDeps, lng: 'zh-CN' | 'en'): Array<{ command: string; description: string }> {
  const t = deps.i18n.t(lng);
  return [
    ...['start', 'models', 'orders', 'store', 'cart', 'language', 'settings', 'help'].map((command) => ({ command, description: t(`commands.${command}`) })),
    { command: 'support', description: t('support.command') },
  ];
}
