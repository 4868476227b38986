import type { MiddlewareFn } from 'telegraf';
import type { Locale } from '../../domain/customers/service.js';
import type { FinishState } from '../../domain/inbox/index.js';
import { AppError } from '../../shared/errors.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import type { BotContext } from '../context.js';
import { menuState } from '../step-registry.js';
import { leaveStaleStep } from '../steps.js';

/**
 * Updates whose handling failed in a way worth another try (keyed by the update object handed to
 * handleUpdate), with the reason: the inbox consumer (src/bot/inbox-consumer.ts) retries them.
 */
export const failedUpdates = new WeakMap<object, string>();
/** The try an update is on (set by the inbox consumer): the customer is told of a failure once. */
export const updateAttempts = new WeakMap<object, number>();
/**
 * Where the inbox consumer collects the conversation state a handled update leaves (keyed by the
 * update object): it is saved in the same transaction as the update's done mark
 * (InboxRepository.finish), one statement for both. An update handled outside the consumer (no
 * entry) has its state saved at once, as before.
 */
export const stateSinks = new WeakMap<object, { state: FinishState | null }>();

/**
 * Whether an error may go away on another try: a database or network failure, a Telegram 5xx or
 * 429. A refusal (an AppError such as forbidden or booking_past), a blocked customer or a request
 * Telegram rejects as bad is final: the same update would fail the same way again.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return false;
  const kind = classifyTelegramError(err).kind;
  return kind === 'rate_limited' || kind === 'server' || kind === 'network' || kind === 'other';
}

/**
 * The error boundary, outermost: attaches the per-update logger, answers any callback query the
 * handlers left unanswered, and turns any error into a log line (the update's id, type and chat, never its content) plus a localized
 * apology. A 403 means the customer blocked the bot: they are marked, nothing is retried.
 */
export const boundary: MiddlewareFn<BotContext> = async (ctx, next) => {
  ctx.t = ctx.deps.i18n.t(ctx.deps.config.defaultLocale);
  ctx.locale = ctx.deps.config.defaultLocale;
  try {
    await next();
  } catch (err) {
    const retry = isRetryable(err);
    if (retry) {
      ctx.failed = true;
      failedUpdates.set(ctx.update, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
    // A failure the inbox tries again by itself (src/bot/inbox-consumer.ts): on the first try the
    // customer is told there is nothing to do. Asked to "try again", they would send it twice, and
    // both would be handled: a phone number typed again is taken for the city question's answer, a
    // payer told that their payment "went wrong" may pay again. On the last try (the update is then
    // parked) they are told it did not work. A retry in between is only logged.
    const attempt = updateAttempts.get(ctx.update) ?? 1;
    const last = attempt >= ctx.deps.config.inbox.maxAttempts;
    if (!retry || last) await reportError(ctx, err);
    else if (attempt <= 1) await reportError(ctx, err, 'errors.retrying');
    else ctx.log.warn({ err }, 'update failed again');
  } finally {
    if (ctx.callbackQuery && !ctx.callbackAnswered) await ctx.toast();
  }
};

/** Logs the failure and tells the customer (`apology`: the text for a failure that is not an AppError of its own). */
export async function reportError(ctx: BotContext, err: unknown, apology: 'errors.generic' | 'errors.retrying' = 'errors.generic'): Promise<void> {
  const failure = classifyTelegramError(err);
  if (failure.kind === 'blocked' && ctx.from) {
    ctx.log.info('customer blocked the bot');
    await ctx.deps.services.customers.markBlocked(ctx.from.id).catch(() => undefined);
    return;
  }
  if (err instanceof AppError && err.code === 'forbidden') {
    ctx.log.warn({ err }, 'refused forged or foreign id');
  } else {
    ctx.log.error({ err }, 'update failed');
  }
  const key = err instanceof AppError && ctx.t(`errors.${err.code}`, { defaultValue: '' }) ? `errors.${err.code}` : apology;
  try {
    if (ctx.callbackQuery) await ctx.toast(ctx.t(key), true);
    else if (ctx.chat?.type === 'private') await ctx.reply(ctx.t(key), { parse_mode: 'HTML' });
    else if (ctx.preCheckoutQuery) await ctx.answerPreCheckoutQuery(false, ctx.t('errors.generic'));
  } catch (replyErr) {
    ctx.log.warn({ err: replyErr }, 'could not tell the customer about the error');
  }
}

/**
 * In one round trip, for private chats and payment queries: loads the customer (created on first
 * contact) and the chat's conversation state; `t` is fixed to the customer's language. The inbox
 * hands out one update per chat at a time (src/domain/inbox), so the state read is the latest and
 * a repeat never gets here. The state is checked against its step's schema: a step that no longer
 * exists, or data that does not fit, puts the chat on the main menu (see leaveStaleStep in
 * src/bot/steps.ts). After the handlers the state is saved if it changed.
 */
export const beginUpdate: MiddlewareFn<BotContext> = async (ctx, next) => {
  const { customers, conversation } = ctx.deps.services;
  const from = ctx.from;
  const isPrivate = ctx.chat?.type === 'private' || (!ctx.chat && !!(ctx.preCheckoutQuery || ctx.shippingQuery));
  const person = from && !from.is_bot && isPrivate ? from : null;
  const chatId = ctx.chat?.id ?? from?.id ?? 0;
  const start = await conversation.begin(person ? { telegramId: person.id, chatId } : null);
  const loaded = ctx.steps.load(start.state);
  ctx.session = loaded.ok ? loaded.state : menuState(start.state);
  ctx.supportConversationId = start.supportConversationId;
  if (person) {
    const customer = await customers.ensure(person, start.customer, ctx.deps.now());
    ctx.customer = customer;
    ctx.locale = customer.language as Locale;
    ctx.t = ctx.deps.i18n.t(ctx.locale);
  }
  if (loaded.ok || !(await leaveStaleStep(ctx, loaded))) await next();
  if (person && ctx.sessionDirty) {
    const sink = stateSinks.get(ctx.update);
    if (sink) sink.state = { chatId, ...ctx.session };
    else await conversation.save(chatId, ctx.session);
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
