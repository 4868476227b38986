import type { MiddlewareFn } from 'telegraf';
import { emptyState } from '../../domain/conversation/repository.js';
import { localeFromTelegram, type Locale } from '../../domain/customers/service.js';
import { AppError } from '../../shared/errors.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import type { BotContext } from '../context.js';
import type { ChatLock } from './chat-lock.js';

/** Updates whose handling failed (keyed by the update object handed to handleUpdate). */
export const failedUpdates = new WeakSet<object>();

/**
 * The error boundary, outermost: attaches the per-update logger, answers any callback query the
 * handlers left unanswered, and turns any error into a log line with the update plus a localized
 * apology. A 403 means the customer blocked the bot: they are marked, nothing is retried.
 */
export const boundary: MiddlewareFn<BotContext> = async (ctx, next) => {
  ctx.log = ctx.deps.logger.child({ updateId: ctx.update.update_id, chatId: ctx.chat?.id, from: ctx.from?.id });
  ctx.t = ctx.deps.i18n.t(ctx.deps.config.defaultLocale);
  ctx.locale = ctx.deps.config.defaultLocale;
  try {
    await next();
  } catch (err) {
    if (ctx.failed) failedUpdates.add(ctx.update);
    await reportError(ctx, err);
  } finally {
    if (ctx.callbackQuery && !ctx.callbackAnswered) await ctx.toast();
  }
};

export async function reportError(ctx: BotContext, err: unknown): Promise<void> {
  const failure = classifyTelegramError(err);
  if (failure.kind === 'blocked' && ctx.from) {
    ctx.log.info('customer blocked the bot');
    await ctx.deps.services.customers.markBlocked(ctx.from.id).catch(() => undefined);
    return;
  }
  if (err instanceof AppError && err.code === 'forbidden') {
    ctx.log.warn({ err, update: ctx.update }, 'refused forged or foreign id');
  } else {
    ctx.log.error({ err, update: ctx.update }, 'update failed');
  }
  const key = err instanceof AppError && ctx.t(`errors.${err.code}`, { defaultValue: '' }) ? `errors.${err.code}` : 'errors.generic';
  try {
    if (ctx.callbackQuery) await ctx.toast(ctx.t(key), true);
    else if (ctx.chat?.type === 'private') await ctx.reply(ctx.t(key), { parse_mode: 'HTML' });
    else if (ctx.preCheckoutQuery) await ctx.answerPreCheckoutQuery(false, ctx.t('errors.generic'));
  } catch (replyErr) {
    ctx.log.warn({ err: replyErr }, 'could not tell the customer about the error');
  }
}

/** Telegram delivers at least once: an update_id already handled is dropped here. */
export const dedupe: MiddlewareFn<BotContext> = async (ctx, next) => {
  const { conversation } = ctx.deps.services;
  if (!(await conversation.claimUpdate(ctx.update.update_id))) {
    ctx.log.debug('repeated update ignored');
    ctx.callbackAnswered = true; // the first delivery answered it
    return;
  }
  try {
    await next();
  } catch (err) {
    // Not handled after all: give the id back, so a redelivery (the webhook answers 500 for a
    // failed update, and Telegram retries) is processed instead of being dropped as a repeat.
    await conversation.releaseUpdate(ctx.update.update_id).catch(() => undefined);
    ctx.failed = true;
    throw err;
  }
};

/** One update per chat at a time, in this process and across processes. */
export const serialize =
  (lock: ChatLock): MiddlewareFn<BotContext> =>
  async (ctx, next) => {
    const key = ctx.chat?.id ?? ctx.from?.id;
    if (key === undefined) return next();
    await lock.run(String(key), () => next());
  };

/**
 * Loads (or creates) the customer for private chats and payment queries, fixes `t` to their
 * language, loads the chat's conversation state, and saves it after the handlers if it changed.
 */
export const customerAndState: MiddlewareFn<BotContext> = async (ctx, next) => {
  const from = ctx.from;
  const isPrivate = ctx.chat?.type === 'private' || (!ctx.chat && (ctx.preCheckoutQuery || ctx.shippingQuery));
  if (!from || from.is_bot || !isPrivate) {
    ctx.session = emptyState();
    return next();
  }
  const { customers, conversation } = ctx.deps.services;
  const chatId = ctx.chat?.id ?? from.id;
  const [customer, state] = await Promise.all([customers.touch(from), conversation.load(chatId)]);
  ctx.customer = customer;
  ctx.locale = customer.language as Locale;
  ctx.t = ctx.deps.i18n.t(ctx.locale);
  ctx.session = state;
  await next();
  if (ctx.sessionDirty) await conversation.save(chatId, ctx.session);
};

/** my_chat_member: a customer who blocks the bot is marked unreachable, and unmarked on return. */
export const chatMemberTracker: MiddlewareFn<BotContext> = async (ctx, next) => {
  const upd = ctx.myChatMember;
  if (!upd || upd.chat.type !== 'private') return next();
  const status = upd.new_chat_member.status;
  await ctx.deps.services.customers.markBlocked(upd.from.id, status === 'kicked');
};

export const telegramLocale = (code: string | undefined, fallback: Locale): Locale => localeFromTelegram(code, fallback);
