import type { MiddlewareFn } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { BotContext } from '../context.js';

/** The update kinds the bot serves (src/app.ts asks Telegram for only these). */
const SERVED = new Set(['message', 'callback_query', 'pre_checkout_query', 'shipping_query', 'my_chat_member', 'chat_join_request']);

/**
 * Whether the bot has anything to do with `update`: the kinds it asked for (src/app.ts
 * allowedUpdates), and of messages, member changes and button presses only those in a private
 * chat or in the support group. Everything else (inline queries, channel posts, edits, other
 * groups, join requests to any chat but the support group, a press on an inline-mode message, which this bot never sends) is dropped.
 */
export function isServed(update: Update, supportChatId: number | null): boolean {
  const kind = Object.keys(update).find((k) => k !== 'update_id');
  if (!kind || !SERVED.has(kind)) return false;
  const chat =
    'message' in update
      ? update.message?.chat
      : 'my_chat_member' in update
        ? update.my_chat_member?.chat
        : 'callback_query' in update
          ? update.callback_query?.message?.chat
          : undefined;
  // Join requests: only to the support group (src/bot/features/support/access.ts).
  if (kind === 'chat_join_request') {
    // Raw updates may lack any field: read the chat defensively.
    const request = (update as { chat_join_request?: { chat?: { id?: unknown } } }).chat_join_request;
    return supportChatId !== null && request?.chat?.id === supportChatId;
  }
  if (kind === 'message' || kind === 'my_chat_member' || kind === 'callback_query') {
    if (!chat || typeof chat.id !== 'number') return false;
    if (kind === 'my_chat_member') return chat.type === 'private';
    return chat.type === 'private' || chat.id === supportChatId;
  }
  return true;
}

/**
 * Drops an update the bot does not serve before anything costly (no lock, no SQL, no reply, no
 * log above debug): Telegram gets its 200 and does not send it again. A button press is still
 * answered (with nothing), so the customer's button stops spinning.
 */
export const ignoreUnserved: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (isServed(ctx.update, ctx.deps.config.supportChatId)) return next();
  ctx.deps.metrics.inc('updates_ignored_total');
  if (ctx.callbackQuery) await ctx.answerCbQuery().catch(() => undefined);
};
