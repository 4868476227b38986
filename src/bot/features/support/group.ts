import type { MiddlewareFn } from 'telegraf';
import type { Message } from 'telegraf/types';
import type { Customer, SupportConversation } from '../../../db/schema/index.js';
import type { Locale } from '../../../domain/customers/service.js';
import type { ClaimResult, RelayEntry } from '../../../domain/support/service.js';
import { escapeHtml } from '../../../i18n.js';
import { classifyTelegramError } from '../../../shared/telegram-errors.js';
import { cb } from '../../../telegram/callback-data.js';
import type { BotContext } from '../../context.js';
import { storeOrderDetail } from '../../../telegram/screens/store-orders.js';
import { cannedKeys, isCannedKey, orderCard } from '../../../telegram/screens/support.js';
import { closeConversation, contentOf, customerBlocked, fmtFor, groupFmt, isUnreachable, mention, refreshCard, senderName, type Content } from '../../../telegram/support-desk.js';

/**
 * The agents' side, in the support group (SUPPORT_CHAT_ID, a forum): every update from that chat
 * ends here. Only agents (StaffService.can(id, 'agent'), read from the database each time) act;
 * other members' messages are never copied to a customer, and their commands are refused. A
 * topic belongs to one customer, so a topic's commands only ever see that customer's data.
 */

const COMMAND = /^\/([a-z]+)(?:@\w+)?(?:\s+([\s\S]*))?$/i;
const AGENT_COMMANDS = new Set(['note', 'canned', 'order', 'close', 'takeover', 'claim']);

export const supportGroup: MiddlewareFn<BotContext> = async (ctx, next) => {
  const chatId = ctx.deps.config.supportChatId;
  if (chatId === null || ctx.chat?.id !== chatId) return next();
  if (ctx.callbackQuery) return groupButton(ctx);
  if (ctx.message && ctx.from && !ctx.from.is_bot) return groupMessage(ctx, ctx.message);
  // An admin posting anonymously (as the group) cannot be told apart from anyone: say so in the
  // topic, or their answer would vanish without a word. Nothing reaches the customer.
  const m = ctx.message;
  if (m && 'sender_chat' in m && m.sender_chat?.id === chatId && m.is_topic_message && contentOf(m)) {
    await answer(ctx, g(ctx).t('support.group.anonymous'));
  }
};

const g = (ctx: BotContext) => groupFmt(ctx.deps);
const answer = (ctx: BotContext, text: string) => answerIn(ctx, text);

/** Replies in the topic (or the general chat) the update came from; a button names its conversation's topic. */
async function answerIn(ctx: BotContext, text: string, topic?: number | null): Promise<void> {
  const m = ctx.message ?? ctx.callbackQuery?.message;
  const thread = topic ?? (m && 'message_thread_id' in m && m.is_topic_message ? m.message_thread_id : undefined);
  await ctx.telegram.sendMessage(ctx.chat!.id, text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...(thread ? { message_thread_id: thread } : {}) });
}

const me = (ctx: BotContext) => mention(ctx.from!.id, senderName(ctx.from!));

async function groupMessage(ctx: BotContext, message: Message): Promise<void> {
  // A caption counts too: a photo captioned "/note …" must stay internal.
  const text = 'text' in message ? message.text : 'caption' in message ? message.caption : undefined;
  const command = text ? COMMAND.exec(text) : null;
  const name = command?.[1]?.toLowerCase();
  const isAgent = await ctx.deps.services.staff.can(ctx.from!.id, 'agent');
  if (!isAgent) {
    if (name && AGENT_COMMANDS.has(name)) await answer(ctx, g(ctx).t('support.group.not_agent'));
    ctx.log.debug({ from: ctx.from!.id }, 'support group: message from a non-agent not forwarded');
    return;
  }
  const threadId = 'message_thread_id' in message && message.is_topic_message ? message.message_thread_id : undefined;
  if (!threadId || !contentOf(message)) {
    if (name && AGENT_COMMANDS.has(name)) await answer(ctx, g(ctx).t('support.group.outside_topic'));
    return;
  }
  const { support } = ctx.deps.services;
  const found = await support.byThread(threadId);
  if (!found) {
    if (name) await answer(ctx, g(ctx).t('support.group.no_conversation'));
    return;
  }
  const { conversation, customer } = found;
  const arg = command?.[2]?.trim() ?? '';
  switch (name) {
    case undefined:
      return reply(ctx, conversation, customer, message);
    case 'note':
      await support.record({
        ...contentOf(message)!,
        text: arg,
        conversationId: conversation.id,
        customerId: conversation.customerId,
        direction: 'note',
        senderTelegramId: ctx.from!.id,
      });
      return;
    case 'canned':
      return canned(ctx, conversation, customer, arg);
    case 'order':
      return order(ctx, conversation, arg);
    case 'close':
      if (!(await closeConversation(ctx, conversation, { agent: ctx.from!.id, mention: me(ctx) }))) await answer(ctx, g(ctx).t('support.group.already_closed'));
      return;
    case 'takeover':
    case 'claim':
      await announceClaim(ctx, conversation.id, await support.claim(conversation.id, ctx.from!.id, { takeover: name === 'takeover', name: senderName(ctx.from!) }), true);
      return;
    default:
      await answer(ctx, g(ctx).t('support.group.help'));
  }
}

/**
 * Tells the topic what a claim did; true when the agent holds the conversation now. Without
 * `explicit` (a claim by replying) an agent's own conversation gets no "already yours" notice.
 */
async function announceClaim(ctx: BotContext, conversationId: number, result: ClaimResult, explicit: boolean, topic?: number | null): Promise<boolean> {
  const f = g(ctx);
  const tell = (c: BotContext, text: string) => answerIn(c, text, topic);
  switch (result.kind) {
    case 'closed':
      await tell(ctx, f.t('support.group.already_closed'));
      return false;
    case 'held': {
      const holder = mention(result.by, result.name ?? (await ctx.deps.services.support.nameOf(result.by)));
      await tell(ctx, f.t('support.group.held', { agent: holder }));
      return false;
    }
    case 'mine':
      if (explicit) await tell(ctx, f.t('support.group.already_yours'));
      return true;
    case 'claimed':
      if (result.previous !== null) {
        const previous = mention(result.previous, result.previousName ?? (await ctx.deps.services.support.nameOf(result.previous)));
        await tell(ctx, f.t('support.group.taken_over', { agent: me(ctx), previous }));
      } else {
        await tell(ctx, f.t('support.group.claimed', { agent: me(ctx) }));
      }
      await refreshCard(ctx, conversationId);
      return true;
  }
}

/** Claims (first reply wins), then delivers. The SLA clock stops once the customer has the answer. */
async function deliverable(ctx: BotContext, conversation: SupportConversation): Promise<boolean> {
  if (conversation.status === 'closed') {
    await answer(ctx, g(ctx).t('support.group.already_closed'));
    return false;
  }
  return announceClaim(ctx, conversation.id, await ctx.deps.services.support.claim(conversation.id, ctx.from!.id, { name: senderName(ctx.from!) }), false);
}

async function reply(ctx: BotContext, conversation: SupportConversation, customer: Customer, message: Message): Promise<void> {
  if (!(await deliverable(ctx, conversation))) return;
  const { relay } = ctx.deps.services.support;
  const entry = { kind: 'copy' as const, fromChatId: ctx.chat!.id, messageId: message.message_id, step: '' };
  // Earlier replies still waiting out the customer's 429: this one goes after them.
  const wait = await relay.waitFor(conversation.id, 'out');
  if (wait !== null) return queueReply(ctx, conversation, entry, contentOf(message)!, wait);
  try {
    await ctx.telegram.copyMessage(customer.telegramId, ctx.chat!.id, message.message_id);
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (failure.kind === 'rate_limited') {
      // Longer than the inline retry waits: the reply is delivered by the relay queue, the agent told.
      await relay.pause(conversation.id, 'out', failure.retryAfterS * 1000);
      return queueReply(ctx, conversation, entry, contentOf(message)!, failure.retryAfterS * 1000);
    }
    if (!isUnreachable(err)) throw err;
    await customerBlocked(ctx, customer.id, customer.telegramId, conversation.threadId);
    return;
  }
  await delivered(ctx, conversation, contentOf(message)!);
}

/** An agent's reply that must wait (429 for the customer's chat): queued, recorded, and the agent told. */
async function queueReply(ctx: BotContext, conversation: SupportConversation, entry: RelayEntry, content: Content, delayMs: number): Promise<void> {
  await ctx.deps.services.support.relay.enqueue(conversation.id, 'out', entry, delayMs);
  ctx.log.warn({ conversation: conversation.id, delayMs }, 'agent reply queued: the customer chat is rate-limited');
  await delivered(ctx, conversation, content);
  // The group may be slowed down too: the notice is a courtesy, the reply is safe either way.
  await answer(ctx, g(ctx).t('support.group.reply_queued', { seconds: Math.max(1, Math.ceil(delayMs / 1000)) })).catch((err: unknown) =>
    ctx.log.warn({ err }, 'could not tell the agent their reply was queued'),
  );
}

async function delivered(ctx: BotContext, conversation: SupportConversation, content: { contentType: string; text: string | null; fileId: string | null }) {
  const { support } = ctx.deps.services;
  await support.record({ conversationId: conversation.id, customerId: conversation.customerId, direction: 'out', senderTelegramId: ctx.from!.id, ...content });
  await support.agentReplied(conversation.id);
  ctx.deps.metrics.inc('support_messages_out_total');
}

/** `/canned` lists the templates; `/canned KEY` sends one in the customer's language. */
async function canned(ctx: BotContext, conversation: SupportConversation, customer: Customer, arg: string): Promise<void> {
  const f = g(ctx);
  const key = arg.toLowerCase();
  if (!key) {
    const list = cannedKeys.map((k) => f.t('support.group.canned_line', { key: k, preview: escapeHtml(f.t(`support.canned.${k}`).slice(0, 60)) })).join('\n');
    await answer(ctx, f.t('support.group.canned_list', { list }));
    return;
  }
  if (!isCannedKey(key)) {
    await answer(ctx, f.t('support.group.canned_unknown', { key: escapeHtml(arg.slice(0, 32)) }));
    return;
  }
  if (!(await deliverable(ctx, conversation))) return;
  const text = fmtFor(ctx.deps, customer.language as Locale).t(`support.canned.${key}`);
  const { relay } = ctx.deps.services.support;
  const entry = { kind: 'notice' as const, name: `canned-${ctx.message!.message_id}`, text };
  const wait = await relay.waitFor(conversation.id, 'out');
  if (wait !== null) return queueReply(ctx, conversation, entry, { contentType: 'text', text, fileId: null }, wait);
  try {
    await ctx.telegram.sendMessage(customer.telegramId, text, { parse_mode: 'HTML' });
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (failure.kind === 'rate_limited') {
      await relay.pause(conversation.id, 'out', failure.retryAfterS * 1000);
      return queueReply(ctx, conversation, entry, { contentType: 'text', text, fileId: null }, failure.retryAfterS * 1000);
    }
    if (!isUnreachable(err)) throw err;
    await customerBlocked(ctx, customer.id, customer.telegramId, conversation.threadId);
    return;
  }
  await delivered(ctx, conversation, { contentType: 'text', text, fileId: null });
  await answer(ctx, f.t('support.group.canned_sent', { language: customer.language, text }));
}

/** `/order N`: an order of this topic's customer only, by number or id (or a store order by number). */
async function order(ctx: BotContext, conversation: SupportConversation, arg: string): Promise<void> {
  const f = g(ctx);
  if (!arg || !/^[A-Za-z0-9-]{1,32}$/.test(arg)) {
    await answer(ctx, f.t('support.group.order_usage'));
    return;
  }
  const { orders, bookings } = ctx.deps.services;
  const found = (await orders.byNumber(arg)) ?? (/^\d{1,9}$/.test(arg) ? await orders.byId(Number(arg)) : null);
  if (!found || found.customerId !== conversation.customerId) {
    // A store order of this customer's (S10001), looked up among theirs only.
    const { storeCheckout } = ctx.deps.services;
    const store = (await storeCheckout.listForCustomer(conversation.customerId)).find((o) => o.number.toLowerCase() === arg.toLowerCase());
    if (store) {
      await answer(ctx, storeOrderDetail(f, await storeCheckout.view(store)).text);
      return;
    }
    await answer(ctx, f.t('support.group.order_not_found', { ref: escapeHtml(arg) }));
    return;
  }
  const active = await bookings.activeFor([found.id]);
  const views = await Promise.all(active.map(async (b) => ({ ...b, centre: await bookings.centre(b.slot.centreId) })));
  await answer(ctx, orderCard(f, found, views));
}

/** Claim and Close under the profile card. */
async function groupButton(ctx: BotContext): Promise<void> {
  const f = g(ctx);
  const from = ctx.from!;
  const claim = cb.supportClaim.read(ctx);
  const close = cb.supportClose.read(ctx);
  if (!claim && !close) {
    await ctx.toast(ctx.t('errors.bad_button'), true);
    return;
  }
  if (!(await ctx.deps.services.staff.can(from.id, 'agent'))) {
    ctx.log.warn({ from: from.id }, 'support button pressed by a non-agent');
    await ctx.toast(f.t('support.group.not_agent'), true);
    return;
  }
  const conversationId = (claim ?? close)!.conversationId;
  const { support } = ctx.deps.services;
  const conversation = await support.byId(conversationId);
  // The button must be on this conversation's card, in its topic: data naming another
  // conversation (forged, or a card of another topic) changes nothing.
  const pressed = ctx.callbackQuery?.message;
  const pressedThread = pressed && 'message_thread_id' in pressed ? pressed.message_thread_id : undefined;
  if (
    !conversation ||
    !pressed ||
    pressedThread === undefined ||
    pressedThread !== conversation.threadId ||
    (conversation.cardMessageId !== null && pressed.message_id !== conversation.cardMessageId)
  ) {
    ctx.log.warn({ from: from.id, conversation: conversationId, thread: pressedThread }, 'support button that is not on its conversation’s card');
    await ctx.toast(ctx.t('errors.bad_button'), true);
    return;
  }
  await ctx.toast();
  if (claim) {
    await announceClaim(ctx, conversation.id, await support.claim(conversation.id, from.id, { name: senderName(from) }), true, conversation.threadId);
    return;
  }
  if (!(await closeConversation(ctx, conversation, { agent: from.id, mention: me(ctx) }))) await answerIn(ctx, f.t('support.group.already_closed'), conversation.threadId);
}
