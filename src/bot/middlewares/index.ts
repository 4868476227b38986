import type { MiddlewareFn } from 'telegraf';
import type { Locale } from '../../domain/customers/service.js';
import { AppError } from '../../shared/errors.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import type { BotContext } from '../context.js';
import { menuState } from '../step-registry.js';
import { leaveStaleStep } from '../steps.js';
import type { ChatLock } from './chat-lock.js';

/** Updates whose handling failed (keyed by the update object handed to handleUpdate). */
export const failedUpdates = new WeakSet<object>();

/**
 * The error boundary, outermost: attaches the per-update logger, answers any callback query the
 * handlers left unanswered, and turns any error into a log line with the update plus a localized
 * apology. A 403 means the customer blocked the bot: they are marked, nothing is retried.
 */
export const boundary: MiddlewareFn<BotContext> = async (ctx, next) => {
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

/**
 * One update per chat at a time, in this process and across processes. In a forum supergroup (the
 * support desk) the unit is the topic: each topic is one customer's conversation, so agents in
 * different topics do not wait for each other.
 */
export const serialize =
  (lock: ChatLock): MiddlewareFn<BotContext> =>
  async (ctx, next) => {
    const key = lockKeyOf(ctx);
    if (key === undefined) return next();
    await lock.run(key, () => next());
  };

export function lockKeyOf(ctx: Pick<BotContext, 'chat' | 'from' | 'msg'>): string | undefined {
  const chat = ctx.chat;
  if (!chat) return ctx.from ? String(ctx.from.id) : undefined;
  if (chat.type !== 'supergroup' || !chat.is_forum) return String(chat.id);
  const msg = ctx.msg as { message_thread_id?: number; is_topic_message?: boolean } | undefined;
  return `${chat.id}:${msg?.is_topic_message ? (msg.message_thread_id ?? 0) : 0}`;
}

/**
 * Under the chat's lock, in one round trip: drops an update_id seen before (Telegram delivers at
 * least once), and for private chats and payment queries loads the customer (created on first
 * contact) and the chat's conversation state; `t` is fixed to the customer's language. The state
 * is checked against its step's schema: a step that no longer exists, or data that does not fit,
 * puts the chat on the main menu (see leaveStaleStep in src/bot/steps.ts). After the handlers the
 * state is saved if it changed. If handling fails the update id is given back, so a redelivery
 * (the webhook answers 500 for it) is handled rather than dropped as a repeat.
 */
export const beginUpdate: MiddlewareFn<BotContext> = async (ctx, next) => {
  const { customers, conversation } = ctx.deps.services;
  const from = ctx.from;
  const isPrivate = ctx.chat?.type === 'private' || (!ctx.chat && !!(ctx.preCheckoutQuery || ctx.shippingQuery));
  const person = from && !from.is_bot && isPrivate ? from : null;
  const chatId = ctx.chat?.id ?? from?.id ?? 0;
  const start = await conversation.begin(ctx.update.update_id, person ? { telegramId: person.id, chatId } : null);
  if (!start.fresh) {
    ctx.log.debug('repeated update ignored');
    ctx.callbackAnswered = true; // the first delivery answered it
    return;
  }
  const loaded = ctx.steps.load(start.state);
  ctx.session = loaded.ok ? loaded.state : menuState(start.state);
  ctx.supportConversationId = start.supportConversationId;
  try {
    if (person) {
      const customer = await customers.ensure(person, start.customer, ctx.deps.now());
      ctx.customer = customer;
      ctx.locale = customer.language as Locale;
      ctx.t = ctx.deps.i18n.t(ctx.locale);
    }
    if (loaded.ok || !(await leaveStaleStep(ctx, loaded))) await next();
    if (person && ctx.sessionDirty) await conversation.save(chatId, ctx.session);
  } catch (err) {
    await conversation.releaseUpdate(ctx.update.update_id).catch(() => undefined);
    ctx.failed = true;
    throw err;
  }
};

/** my_chat_member: a customer who blocks the bot is marked unreachable, and unmarked on return. */
export const chatMemberTracker: MiddlewareFn<BotContext> = async (ctx, next) => {
  const upd = ctx.myChatMember;
  if (!upd || upd.chat.type !== 'private') return next();
  const status = upd.new_chat_member.status;
  await ctx.deps.services.customers.markBlocked(upd.from.id, status === 'kicked');
  ctx.customer = null; // nothing else to do for this update
};
