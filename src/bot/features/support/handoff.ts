import type { MiddlewareFn } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { SupportConversation } from '../../../db/schema/index.js';
import { isOpen, nextOpening } from '../../../domain/support/hours.js';
import { isPersonRequest } from '../../../domain/support/keywords.js';
import { classifyTelegramError } from '../../../shared/telegram-errors.js';
import { cb } from '../../../telegram/callback-data.js';
import type { BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { backAt, continueKeyboard, endChatKeyboard, hoursText, ratingKeyboard } from '../../../telegram/screens/support.js';
import { showCurrentStep, staleButton } from '../../steps.js';
import { copyToTopic } from '../../../telegram/support-relay.js';
import { closeConversation, contentOf, customerBlocked, ensureTopic, groupFmt, isUnreachable, noticeInTopic, postCard, refreshCard } from '../../../telegram/support-desk.js';

/**
 * The customer side of the support handoff, mounted before the customer features. While a
 * conversation is open every message goes to the customer's topic in the support group and the
 * bot's flows stay quiet; only "End chat" (and payments, which must be answered) get through.
 * The chat's step (ctx.session) is never touched, so "Continue where I was" resumes it.
 */

/** Commands that, during a handoff, get the "you're chatting with a person" reminder instead of a copy. */
const BOT_COMMANDS = /^\/(?:start|menu|support|help)(?:@\w+)?(?:\s|$)/i;
const SUPPORT_COMMAND = /^\/support(?:@\w+)?(?:\s|$)/i;

const textOf = (ctx: BotContext): string | undefined => (ctx.message && 'text' in ctx.message ? ctx.message.text : undefined);

export const supportHandoff: MiddlewareFn<BotContext> = async (ctx, next) => {
  // my_chat_member is chatMemberTracker's (mounted after this feature), even during a handoff.
  if (!ctx.customer || ctx.chat?.type !== 'private' || ctx.myChatMember) return next();
  // beginUpdate read whether a conversation is open in its one statement: no query when none is.
  const conversation = ctx.supportConversationId === null ? null : await ctx.deps.services.support.byId(ctx.supportConversationId);
  if (conversation && conversation.status !== 'closed') {
    return ctx.deps.config.supportChatId === null ? deskGone(ctx, conversation, next) : during(ctx, conversation, next);
  }

  const text = textOf(ctx);
  if (cb.supportTalk.read(ctx) || (text !== undefined && (SUPPORT_COMMAND.test(text) || isPersonRequest(text)))) return startHandoff(ctx);
  if (cb.supportRate.trigger.test(callbackData(ctx))) return rate(ctx);
  if (cb.supportContinue.read(ctx) || cb.supportEnd.read(ctx)) {
    // After a handoff (or an "End chat" pressed twice): back to the step the customer was on.
    await ctx.toast();
    return showCurrentStep(ctx, { fresh: true });
  }
  return next();
};

const callbackData = (ctx: BotContext): string => (ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : '');

async function during(ctx: BotContext, conversation: SupportConversation, next: () => Promise<void>): Promise<void> {
  if (ctx.callbackQuery) {
    if (cb.supportEnd.read(ctx)) {
      await ctx.toast();
      await closeConversation(ctx, conversation, 'customer');
      const f = fmtOf(ctx);
      await ctx.reply(`${ctx.t('support.ended')}\n\n${ctx.t('support.rate_question')}`, {
        parse_mode: 'HTML',
        reply_markup: { inline_keyboard: ratingKeyboard(f, conversation.id) },
      });
      return;
    }
    // Any other button is the bot's, which is paused: say why, change nothing.
    await ctx.toast(ctx.t(cb.supportTalk.read(ctx) ? 'support.already' : 'support.paused'), true);
    return;
  }
  const message = ctx.message;
  // A payment must still be recorded by the deposit flow.
  if (!message || 'successful_payment' in message) return next();
  const text = textOf(ctx);
  if (text !== undefined && BOT_COMMANDS.test(text)) {
    await ctx.reply(ctx.t('support.already'), { parse_mode: 'HTML', reply_markup: { inline_keyboard: endChatKeyboard(fmtOf(ctx)) } });
    return;
  }
  await forward(ctx, conversation, message);
}

/**
 * A conversation still open while SUPPORT_CHAT_ID is no longer set (the app was reconfigured):
 * nobody can read the customer, so it ends, and the customer hears how else to get help instead
 * of writing into the void. A payment is still recorded.
 */
async function deskGone(ctx: BotContext, conversation: SupportConversation, next: () => Promise<void>): Promise<void> {
  await ctx.deps.services.support.abandon(conversation.id);
  await ctx.deps.services.support.cancelWaiting(conversation.id, conversation.waitingSince);
  ctx.log.warn({ conversation: conversation.id }, 'support conversation closed: SUPPORT_CHAT_ID is not set');
  if (ctx.message && 'successful_payment' in ctx.message) return next();
  await ctx.toast();
  await ctx.reply(ctx.t('support.unavailable'), { parse_mode: 'HTML', reply_markup: { inline_keyboard: continueKeyboard(fmtOf(ctx)) } });
}

/**
 * Copies a customer message into their topic and records it. When Telegram says 429 (the group
 * is over its limit), or earlier messages of this conversation still wait for their turn, the
 * message goes to the relay queue instead (copied in order once the pause is over): it is safe,
 * so it is recorded and the customer hears nothing of it.
 */
async function forward(ctx: BotContext, conversation: SupportConversation, message: Message): Promise<void> {
  const content = contentOf(message);
  const chatId = ctx.deps.config.supportChatId;
  if (!content || !chatId) return;
  const { relay } = ctx.deps.services.support;
  const entry = { kind: 'copy' as const, fromChatId: ctx.chat!.id, messageId: message.message_id, step: ctx.session.step };
  try {
    const wait = await relay.waitFor(conversation.id, 'in');
    if (wait !== null) {
      await relay.enqueue(conversation.id, 'in', entry, wait);
      ctx.log.info({ conversation: conversation.id, delayMs: wait }, 'support relay backlog: customer message queued behind it');
    } else {
      await copyToTopic(ctx, conversation, ctx.account, ctx.session.step, { chatId: ctx.chat!.id, messageId: message.message_id });
    }
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (failure.kind === 'rate_limited') {
      const ms = failure.retryAfterS * 1000;
      await relay.pause(conversation.id, 'in', ms);
      await relay.enqueue(conversation.id, 'in', entry, ms);
      ctx.log.warn({ conversation: conversation.id, retryAfterS: failure.retryAfterS }, 'support group rate-limited; customer message queued for the topic');
      ctx.deps.metrics.inc('support_relay_queued_total');
    } else if (failure.kind === 'server' || failure.kind === 'network') {
      throw err;
    } else {
      ctx.log.error({ err, conversation: conversation.id }, 'customer message could not be copied to the support topic');
      await ctx.reply(ctx.t('support.not_delivered'), { parse_mode: 'HTML' });
      return;
    }
  }
  await ctx.deps.services.support.customerWrote(conversation, { senderTelegramId: ctx.from!.id, ...content });
  ctx.deps.metrics.inc('support_messages_in_total');
}

/** "Talk to a person": opens the conversation and its topic, or explains why nobody can answer. */
async function startHandoff(ctx: BotContext): Promise<void> {
  await ctx.toast();
  const f = fmtOf(ctx);
  const { config } = ctx.deps;
  const { support } = ctx.deps.services;
  const customer = ctx.account;
  if (config.supportChatId === null) {
    await ctx.reply(ctx.t('support.unavailable'), { parse_mode: 'HTML', reply_markup: { inline_keyboard: continueKeyboard(f) } });
    return;
  }
  const { conversation, created } = await support.open(customer.id);
  if (!created) {
    await ctx.reply(ctx.t('support.already'), { parse_mode: 'HTML', reply_markup: { inline_keyboard: endChatKeyboard(f) } });
    return;
  }
  let threadId: number | null = null;
  try {
    threadId = await ensureTopic(ctx, customer);
    await support.attachThread(conversation.id, threadId);
    await postCard(ctx, conversation, customer, ctx.session.step, threadId);
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (failure.kind === 'rate_limited') {
      // A busy group: the topic and card are made by the relay queue after the pause, and the
      // customer's messages follow them there. The customer is served as usual.
      const ms = failure.retryAfterS * 1000;
      await support.relay.pause(conversation.id, 'in', ms);
      await support.relay.enqueue(conversation.id, 'in', { kind: 'open', step: ctx.session.step }, ms);
      ctx.log.warn({ conversation: conversation.id, retryAfterS: failure.retryAfterS }, 'support group rate-limited; topic and card queued');
    } else {
      // The group is misconfigured (bot not an admin, not a forum…): nobody would see the request.
      ctx.log.error({ err, conversation: conversation.id }, 'support topic could not be opened');
      await support.abandon(conversation.id);
      await ctx.reply(ctx.t('support.unavailable'), { parse_mode: 'HTML', reply_markup: { inline_keyboard: continueKeyboard(f) } });
      return;
    }
  }
  const opened = { ...conversation, threadId };
  // The request itself ("人工", "talk to a person") is the first line of the transcript.
  const message = ctx.message;
  if (message && 'text' in message && !message.text.startsWith('/')) await forward(ctx, opened, message);
  else await support.startWaiting(conversation.id);

  const now = ctx.deps.now();
  const open = isOpen(config.supportHours, now, config.timeZone);
  const text = open
    ? ctx.t('support.started')
    : ctx.t('support.started_after_hours', {
        when: backAt(f, nextOpening(config.supportHours, now, config.timeZone), now, config.supportHours.start),
        hours: hoursText(config.supportHours),
      });
  ctx.log.info({ conversation: conversation.id, threadId, open }, 'support handoff started');
  ctx.deps.metrics.inc('support_handoffs_total');
  try {
    await ctx.reply(text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: endChatKeyboard(f) } });
  } catch (err) {
    if (isUnreachable(err)) await customerBlocked(ctx, customer.id, customer.telegramId, threadId);
    throw err;
  }
}

/** A 1–5 rating of a closed conversation; the conversation id is checked against the sender. */
async function rate(ctx: BotContext): Promise<void> {
  const data = cb.supportRate.read(ctx);
  if (!data) return staleButton(ctx);
  const { support } = ctx.deps.services;
  const score = Number(data.score);
  const result = await support.rate(data.conversationId, ctx.account.id, score);
  if (result === 'not_found') {
    ctx.log.warn({ conversation: data.conversationId }, 'rating for a conversation that is not the sender’s (or still open)');
    return staleButton(ctx);
  }
  if (result === 'duplicate') {
    await ctx.toast(ctx.t('support.rating_already'));
    return;
  }
  await ctx.toast(ctx.t('support.rating_thanks', { score }));
  const conversation = await support.byId(data.conversationId);
  if (conversation?.threadId && ctx.deps.config.supportChatId) await noticeInTopic(ctx, conversation, 'rating', groupFmt(ctx.deps).t('support.group.rating', { score }));
  await refreshCard(ctx, data.conversationId);
  const pressed = ctx.callbackQuery?.message;
  const text = ctx.t('support.rating_thanks', { score });
  const extra = { parse_mode: 'HTML' as const, reply_markup: { inline_keyboard: continueKeyboard(fmtOf(ctx)) } };
  if (pressed) await ctx.telegram.editMessageText(ctx.chat!.id, pressed.message_id, undefined, text, extra).catch(() => ctx.reply(text, extra));
  else await ctx.reply(text, extra);
}

/**
 * my_chat_member "kicked" for a customer with a topic: the topic says so. Mounted before
 * chatMemberTracker (which ends the update) and acts after it.
 */
export const supportBlockedWatch: MiddlewareFn<BotContext> = async (ctx, next) => {
  const upd = ctx.myChatMember;
  const customer = ctx.customer;
  await next();
  if (!upd || upd.chat.type !== 'private' || upd.new_chat_member.status !== 'kicked' || !customer || !ctx.deps.config.supportChatId) return;
  const topic = await ctx.deps.services.support.topicOf(customer.id);
  if (topic) await customerBlocked(ctx, customer.id, customer.telegramId, topic.threadId);
};
