import type { Telegram } from 'telegraf';
import type { InlineKeyboardButton, Message } from 'telegraf/types';
import type { Customer, SupportConversation } from '../db/schema/index.js';
import type { AppDeps } from '../deps.js';
import type { Locale } from '../domain/customers/service.js';
import { isOpen } from '../domain/support/hours.js';
import { classifyTelegramError, isNotModified } from '../shared/telegram-errors.js';
import { createFmt, shownName, type Fmt } from './format.js';
import { cardScreen, profileCard, ratingKeyboard, topicName, type CardState } from './screens/support.js';

/** What the support feature needs of an update, on either side; telegraf's Context fits. */
export interface SupportDeps {
  deps: AppDeps;
  telegram: Telegram;
}

/** The transcript's view of a message: its kind, its text or caption, and its file. */
export interface Content {
  contentType: string;
  text: string | null;
  fileId: string | null;
}

const FILE_KINDS = ['document', 'video', 'voice', 'audio', 'animation', 'video_note', 'sticker'] as const;

/**
 * Classifies a message for the transcript; null for service messages (topic created, member
 * joined, …), which cannot be copied and are nobody's words.
 */
export function contentOf(m: Message): Content | null {
  const caption = 'caption' in m && typeof m.caption === 'string' ? m.caption : null;
  if ('text' in m) return { contentType: 'text', text: m.text, fileId: null };
  if ('photo' in m) return { contentType: 'photo', text: caption, fileId: m.photo.at(-1)?.file_id ?? null };
  for (const kind of FILE_KINDS) {
    if (kind in m) {
      const file = (m as unknown as Record<string, { file_id: string; emoji?: string }>)[kind]!;
      return { contentType: kind, text: kind === 'sticker' ? (file.emoji ?? null) : caption, fileId: file.file_id };
    }
  }
  if ('venue' in m) return { contentType: 'venue', text: `${m.venue.title}, ${m.venue.address}`, fileId: null };
  if ('location' in m) return { contentType: 'location', text: `${m.location.latitude},${m.location.longitude}`, fileId: null };
  if ('contact' in m) return { contentType: 'contact', text: [m.contact.first_name, m.contact.last_name, m.contact.phone_number].filter(Boolean).join(' '), fileId: null };
  if ('poll' in m) return { contentType: 'poll', text: m.poll.question, fileId: null };
  if ('dice' in m) return { contentType: 'dice', text: m.dice.emoji, fileId: null };
  return null;
}

const fmts = new Map<string, Fmt>();
/** Formatting for a language (agents read the group in DEFAULT_LOCALE; customers their own). */
export function fmtFor(deps: AppDeps, locale: Locale): Fmt {
  let f = fmts.get(locale);
  if (!f || f.timeZone !== deps.config.timeZone) fmts.set(locale, (f = createFmt(locale, deps.i18n.t(locale), deps.config.timeZone)));
  return f;
}

export const groupFmt = (deps: AppDeps): Fmt => fmtFor(deps, deps.config.defaultLocale);

/** Posts HTML in a topic of the support group. */
export async function postInTopic(s: SupportDeps, threadId: number, text: string, keyboard?: InlineKeyboardButton[][]): Promise<Message.TextMessage> {
  return s.telegram.sendMessage(s.deps.config.supportChatId!, text, {
    message_thread_id: threadId,
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
    ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
  });
}

/**
 * Posts a bot notice (`name`: one of each per conversation, e.g. 'closed', 'rating') in the
 * conversation's topic; behind its relay backlog if it has one, and via the relay queue if
 * Telegram says 429, so it lands after the customer's messages. Best effort otherwise (logged).
 */
export async function noticeInTopic(s: SupportDeps, conversation: { id: number; threadId: number | null }, name: string, text: string): Promise<void> {
  const { relay } = s.deps.services.support;
  const entry = { kind: 'notice' as const, name, text };
  try {
    try {
      const wait = await relay.waitFor(conversation.id, 'in');
      if (wait !== null) return await relay.enqueue(conversation.id, 'in', entry, wait);
      if (conversation.threadId) await postInTopic(s, conversation.threadId, text);
    } catch (err) {
      const failure = classifyTelegramError(err);
      if (failure.kind !== 'rate_limited') throw err;
      await relay.pause(conversation.id, 'in', failure.retryAfterS * 1000);
      await relay.enqueue(conversation.id, 'in', entry, failure.retryAfterS * 1000);
    }
  } catch (err) {
    s.deps.logger.warn({ err, conversation: conversation.id, notice: name }, 'could not post a notice in the topic');
  }
}

/**
 * The customer's topic: the one they had (reopened if it was closed), or a new one. A topic
 * deleted by hand in the group fails to reopen; then a new one is made.
 */
export async function ensureTopic(s: SupportDeps, customer: Customer): Promise<number> {
  const { support } = s.deps.services;
  const chatId = s.deps.config.supportChatId!;
  const topic = await support.topicOf(customer.id);
  if (topic && !topic.closed) return topic.threadId;
  if (topic) {
    try {
      await s.telegram.reopenForumTopic(chatId, topic.threadId);
      await support.setTopicClosed(customer.id, false);
      return topic.threadId;
    } catch (err) {
      const failure = classifyTelegramError(err);
      if (failure.kind !== 'bad_request') throw err;
      if (/TOPIC_NOT_MODIFIED/i.test(failure.description)) {
        await support.setTopicClosed(customer.id, false);
        return topic.threadId;
      }
      s.deps.logger.warn({ err, customer: customer.id }, 'support topic could not be reopened; making a new one');
    }
  }
  const created = await s.telegram.createForumTopic(chatId, topicName(customer));
  await support.saveTopic(customer.id, created.message_thread_id);
  return created.message_thread_id;
}

/** Posts the profile card that opens a conversation in the topic, and remembers it. */
export async function postCard(s: SupportDeps, conversation: SupportConversation, customer: Customer, step: string, threadId: number): Promise<void> {
  const { orders, bookings, support, storeCheckout } = s.deps.services;
  const list = await orders.listForCustomer(customer.id, 10);
  const storeOrders = await storeCheckout.listForCustomer(customer.id);
  const active = await bookings.activeFor(list.map((o) => o.id));
  const views = await Promise.all(active.map(async (b) => ({ ...b, centre: await bookings.centre(b.slot.centreId) })));
  const transcript = await support.transcript(customer.id, 20);
  const { config } = s.deps;
  const f = groupFmt(s.deps);
  const body = profileCard(f, {
    customer,
    step,
    orders: list,
    storeOrders,
    bookings: views,
    transcript,
    afterHours: !isOpen(config.supportHours, s.deps.now(), config.timeZone),
  });
  // A card posted again (the topic was replaced) shows the conversation as it is now.
  const current = (await support.byId(conversation.id)) ?? conversation;
  const card = cardScreen(f, await cardState(s, current), body);
  const sent = await postInTopic(s, threadId, card.text, card.keyboard);
  await support.saveCard(conversation.id, sent.message_id, body);
}

/** The status line's view of a conversation: who holds it, who closed it (as mentions). */
async function cardState(s: SupportDeps, c: SupportConversation, closer?: string): Promise<CardState> {
  const { support } = s.deps.services;
  const nameOf = async (id: number) => (id === c.assigneeTelegramId ? c.assigneeName : null) ?? (await support.nameOf(id)) ?? (await support.claimNames([id])).get(id) ?? null;
  const assignee = c.assigneeTelegramId ? mention(c.assigneeTelegramId, await nameOf(c.assigneeTelegramId)) : null;
  let closedBy: string | null = null;
  if (c.status === 'closed') {
    const agent = /^agent:(\d+)$/.exec(c.closedBy ?? '');
    closedBy = c.closedBy === 'customer' || c.closedBy === 'blocked' ? c.closedBy : (closer ?? (agent ? mention(Number(agent[1]), await nameOf(Number(agent[1]))) : null));
  }
  return { id: c.id, status: c.status, rating: c.rating, assignee, closedBy };
}

/**
 * Edits the profile card's status line (queued / held by X / closed, rating) so the topic's first
 * message tells the truth. Best effort: a card that cannot be edited is logged, nothing else.
 */
export async function refreshCard(s: SupportDeps, conversationId: number, closer?: string): Promise<void> {
  const chatId = s.deps.config.supportChatId;
  const c = await s.deps.services.support.byId(conversationId);
  if (!chatId || !c?.cardMessageId || !c.cardText) return;
  const card = cardScreen(groupFmt(s.deps), await cardState(s, c, closer), c.cardText);
  try {
    await s.telegram.editMessageText(chatId, c.cardMessageId, undefined, card.text, {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(card.keyboard?.length ? { reply_markup: { inline_keyboard: card.keyboard } } : {}),
    });
  } catch (err) {
    if (isNotModified(err)) return;
    s.deps.logger.warn({ err, conversation: c.id }, 'support card could not be updated');
  }
}

/**
 * Ends a conversation from either side: the topic is told and closed, the customer gets the
 * rating question (and the bot back). False when it was closed already (double press).
 */
export async function closeConversation(s: SupportDeps, conversation: SupportConversation, by: { agent: number; mention: string } | 'customer'): Promise<boolean> {
  const { support } = s.deps.services;
  const closed = await support.close(conversation.id, by === 'customer' ? 'customer' : `agent:${by.agent}`);
  if (!closed) return false;
  await support.cancelWaiting(conversation.id, conversation.waitingSince);
  const g = groupFmt(s.deps);
  const chatId = s.deps.config.supportChatId;
  const customer = await support.customer(conversation.customerId);
  if (chatId && conversation.threadId) {
    await noticeInTopic(s, conversation, 'closed', by === 'customer' ? g.t('support.group.closed_by_customer') : g.t('support.group.closed', { agent: by.mention }));
    await closeTopic(s, { ...conversation, threadId: conversation.threadId }, by === 'customer' ? null : by.mention);
  }
  if (customer && by !== 'customer') {
    const f = fmtFor(s.deps, customer.language as Locale);
    try {
      await s.telegram.sendMessage(customer.telegramId, `${f.t('support.closed_by_agent')}\n\n${f.t('support.rate_question')}`, {
        parse_mode: 'HTML',
        reply_markup: { inline_keyboard: ratingKeyboard(f, conversation.id) },
      });
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      await customerBlocked(s, customer.id, customer.telegramId, conversation.threadId);
    }
  }
  return true;
}

/**
 * A closed conversation's card says so and its topic is closed; behind the conversation's relay
 * backlog (its last messages and the close notice), or via the relay queue after a 429, so the
 * topic is not closed under them. Other failures are logged (the topic is then taken as closed).
 */
export async function closeTopic(s: SupportDeps, conversation: SupportConversation & { threadId: number }, closer: string | null): Promise<void> {
  const { support } = s.deps.services;
  const entry = { kind: 'close' as const, closer };
  try {
    const wait = await support.relay.waitFor(conversation.id, 'in');
    if (wait !== null) return await support.relay.enqueue(conversation.id, 'in', entry, wait);
    await refreshCard(s, conversation.id, closer ?? undefined);
    await s.telegram.closeForumTopic(s.deps.config.supportChatId!, conversation.threadId);
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (failure.kind === 'rate_limited') {
      await support.relay.pause(conversation.id, 'in', failure.retryAfterS * 1000);
      await support.relay.enqueue(conversation.id, 'in', entry, failure.retryAfterS * 1000);
      return;
    }
    s.deps.logger.warn({ err }, 'could not close the topic');
  }
  await support.setTopicClosed(conversation.customerId, true);
}

/** Telegram says the customer cannot be written to: they blocked the bot, or deleted their account. */
export const isUnreachable = (err: unknown): boolean => {
  const kind = classifyTelegramError(err).kind;
  return kind === 'blocked' || kind === 'chat_not_found';
};

/**
 * The customer blocked the bot: marked unreachable, the topic says so, and an open conversation
 * ends (nobody can answer them; no SLA reminder keeps calling agents), its card saying why.
 */
export async function customerBlocked(s: SupportDeps, customerId: number, telegramId: number, threadId: number | null): Promise<void> {
  const { support } = s.deps.services;
  await s.deps.services.customers.markBlocked(telegramId);
  const chatId = s.deps.config.supportChatId;
  if (threadId && chatId) await postInTopic(s, threadId, groupFmt(s.deps).t('support.group.blocked'));
  const open = await support.openFor(customerId);
  if (!open || !(await support.close(open.id, 'blocked'))) return;
  await support.cancelWaiting(open.id, open.waitingSince);
  if (!chatId || !open.threadId) return;
  await refreshCard(s, open.id);
  await s.telegram.closeForumTopic(chatId, open.threadId).catch((err: unknown) => s.deps.logger.warn({ err }, 'could not close the topic'));
  await support.setTopicClosed(customerId, true);
}

/** A staff member as a mention for the group (HTML). */
export function mention(telegramId: number, name: string | null): string {
  return `<a href="tg://user?id=${telegramId}">${name ? shownName(name) || String(telegramId) : String(telegramId)}</a>`;
}

export const senderName = (user: { first_name: string; last_name?: string }): string => [user.first_name, user.last_name].filter(Boolean).join(' ');
