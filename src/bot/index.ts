import { Telegraf } from 'telegraf';
import type { AppDeps } from '../deps.js';
import { keepAliveAgent, useAgent } from '../telegram/keep-alive.js';
import { BotContext } from './context.js';
import { bookingFeature, bookingSteps } from './features/booking/index.js';
import type { bookingStepSchemas } from './features/booking/steps.js';
import { campaignsFeature, campaignSteps } from './features/campaigns/index.js';
import type { campaignStepSchemas } from './features/campaigns/steps.js';
import { catalogFeature, catalogSteps } from './features/catalog/index.js';
import type { catalogStepSchemas } from './features/catalog/steps.js';
import { depositFeature, depositSteps } from './features/deposit/index.js';
import type { depositStepSchemas } from './features/deposit/steps.js';
import { menuFeature, menuSteps } from './features/menu/index.js';
import type { menuStepSchemas } from './features/menu/steps.js';
import { opsFeature, opsSteps } from './features/ops/index.js';
import type { opsStepSchemas } from './features/ops/steps.js';
import { orderFeature, orderSteps } from './features/order/index.js';
import { paymentsFeature } from './features/payments/index.js';
import { privacyFeature } from './features/privacy/index.js';
import { reportsFeature, reportSteps } from './features/reports/index.js';
import type { reportStepSchemas } from './features/reports/steps.js';
import type { orderStepSchemas } from './features/order/steps.js';
import { settingsFeature, settingsSteps } from './features/settings/index.js';
import type { settingsStepSchemas } from './features/settings/steps.js';
import { staffFeature } from './features/staff/index.js';
import { stockFeature, stockSteps } from './features/stock/index.js';
import type { stockStepSchemas } from './features/stock/steps.js';
import { storeFeature, storeSteps } from './features/store/index.js';
import type { storeStepSchemas } from './features/store/steps.js';
import { supportFeature } from './features/support/index.js';
import { unhandledFeature } from './features/unhandled.js';
import { StepRegistry } from './step-registry.js';
import { retryShortRateLimits } from './telegram-retry.js';
import { withSendBudget } from '../telegram/budgeted-client.js';
import { countTelegramCalls } from '../server/telegram-calls.js';
import { updateSummary } from './update-summary.js';
import { cutToTelegramLimits } from '../telegram/limits.js';
import { beginUpdate, boundary, chatMemberTracker, reportError } from './middlewares/index.js';
import { sanitizeUpdate } from './middlewares/sanitize.js';
import { ignoreUnserved } from './middlewares/unserved.js';

export type Bot = Telegraf<BotContext>;
export { registerCommands } from './commands.js';

/** Every area's steps with their data schemas: the names and data types of StepName and StepData. */
type AllStepSchemas = typeof menuStepSchemas &
  typeof settingsStepSchemas &
  typeof catalogStepSchemas &
  typeof orderStepSchemas &
  typeof depositStepSchemas &
  typeof bookingStepSchemas &
  typeof storeStepSchemas &
  typeof opsStepSchemas &
  typeof campaignStepSchemas &
  typeof reportStepSchemas &
  typeof stockStepSchemas;

// The registry type of src/bot/step-registry.ts: its StepSchemas are exactly these.
declare module './step-registry.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface StepSchemas extends AllStepSchemas {}
}

/** The bot's step registry, from every area's step definitions (one missing does not compile). */
export function createStepRegistry(): StepRegistry<BotContext> {
  return new StepRegistry<BotContext>({
    ...menuSteps,
    ...settingsSteps,
    ...catalogSteps,
    ...orderSteps,
    ...depositSteps,
    ...bookingSteps,
    ...storeSteps,
    ...opsSteps,
    ...campaignSteps,
    ...reportSteps,
    ...stockSteps,
  });
}

/**
 * Builds the bot; nothing talks to Telegram until it is launched or fed updates.
 * Order matters: unserved kinds are dropped first; the boundary wraps everything else, and right
 * inside it the update's text is cleaned (middlewares/sanitize.ts); then the chat's state is read; the catch-all
 * comes last. Updates are fed by the inbox consumer (src/bot/inbox-consumer.ts), one per chat at a time.
 */
export function createBot(deps: AppDeps, opts: { botInfo?: Bot['botInfo'] } = {}): Bot {
  const bot = new Telegraf<BotContext>(deps.config.botToken, {
    contextType: BotContext,
    // telegraf's own timeout only stops waiting (the handler goes on running), and then reports a
    // TimeoutError as if the update had failed: handleUpdate would return before the handler ends,
    // so the webhook answer, the in-flight count of src/app.ts and shutdown would all be early.
    // handleUpdate resolves at the real end instead; a handler past the timeout is logged below.
    handlerTimeout: Infinity,
    telegram: { apiRoot: deps.config.telegramApiRoot, webhookReply: false },
  });
  if (opts.botInfo) bot.botInfo = opts.botInfo;
  const agent = keepAliveAgent(deps.config.telegramApiRoot);
  useAgent(bot.telegram, agent);
  // getUpdates, getMe, setWebhook…: counted like every other Bot API call.
  countTelegramCalls(bot.telegram, deps.metrics);
  const steps = createStepRegistry();

  bot.use(async (ctx, next) => {
    ctx.deps = deps;
    ctx.steps = steps;
    // Inside out: the count (each request Telegram gets is counted once, a retried 429 too), the
    // budget, then the retry of a short 429 (which takes a new slot), then the cut.
    // One connection per reply otherwise (src/telegram/keep-alive.ts).
    useAgent(ctx.telegram, agent);
    countTelegramCalls(ctx.telegram, deps.metrics);
    withSendBudget(ctx.telegram, deps.budget, 'reply');
    retryShortRateLimits(ctx.telegram);
    cutToTelegramLimits(ctx.telegram);
    const started = performance.now();
    const slow = setTimeout(
      () => deps.logger.warn({ updateId: ctx.update.update_id, timeoutMs: deps.config.handlerTimeoutMs }, 'handler still running after the handler timeout'),
      deps.config.handlerTimeoutMs,
    );
    slow.unref();
    try {
      await next();
    } finally {
      clearTimeout(slow);
      const ms = performance.now() - started;
      deps.metrics.observeUpdate(ms / 1000);
      // One line per update: id, type, chat, time, and whether it is to be tried again; never its content.
      deps.logger.info({ ...updateSummary(ctx.update), ms: Math.round(ms), ...(ctx.failed ? { failed: true } : {}) }, 'update');
    }
  });
  // Updates the bot does not serve go no further (no lock, no SQL, no apology).
  bot.use(ignoreUnserved);
  bot.use(boundary);
  // The one boundary for text: every string of the update made storable, names undisguised.
  bot.use(sanitizeUpdate);
  // One update per chat at a time, in order, across processes: the inbox hands them out so
  // (src/domain/inbox, src/bot/inbox-consumer.ts); no lock is needed here.
  bot.use(beginUpdate);
  // Payments before everything: money is recorded whatever step the payer's chat is on (a staff
  // member on a typed step, a customer talking to a person), never taken for a step's answer.
  bot.use(paymentsFeature);
  // /deletemydata before support: a customer talking to a person can erase their data too.
  bot.use(privacyFeature);
  // Support next: agents in the support group, and customers talking to a person (bot paused).
  bot.use(supportFeature);
  bot.use(chatMemberTracker);
  // Staff features come early: their commands and typed answers (a VIN) are theirs alone.
  // Campaigns: the composer's typed answers are the marketer's; /start c-<id>-<n> links and the consent question come before the menu.
  bot.use(campaignsFeature, settingsFeature);
  // Store: staff's /ops ship first, then the shop (its payment handlers are in paymentsFeature).
  bot.use(storeFeature);
  // /stock: the catalog without SQL (ops, admins, managers); its buttons and typed numbers are theirs alone.
  bot.use(stockFeature);
  bot.use(menuFeature, opsFeature, reportsFeature, staffFeature, catalogFeature, orderFeature, depositFeature, bookingFeature);
  bot.use(unhandledFeature);

  // Errors the boundary could not handle (it rethrows nothing, so this is a last resort).
  bot.catch(async (err, ctx) => {
    deps.logger.error({ err, updateId: ctx.update.update_id }, 'unhandled error escaped the boundary');
    await reportError(ctx, err).catch(() => undefined);
  });
  return bot;
}
