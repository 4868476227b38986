import type { Customer, SupportConversation } from '../db/schema/index.js';
import { classifyTelegramError } from '../shared/telegram-errors.js';
import { ensureTopic, postCard, type SupportDeps } from './support-desk.js';

/**
 * The conversation's topic; one opened but whose topic was never made (the process stopped in
 * between, or Telegram said 429) gets it now, with its card. With `card`, a topic whose card was
 * never posted gets it too.
 */
export async function topicFor(s: SupportDeps, conversation: SupportConversation, customer: Customer, step: string, card = false): Promise<number> {
  if (conversation.threadId) {
    if (card && conversation.cardMessageId === null) await postCard(s, conversation, customer, step, conversation.threadId);
    return conversation.threadId;
  }
  const threadId = await ensureTopic(s, customer);
  await s.deps.services.support.attachThread(conversation.id, threadId);
  await postCard(s, conversation, customer, step, threadId);
  return threadId;
}

/**
 * Copies a customer's message into their conversation's topic, from the bot (as it arrives) or
 * from the relay worker (after a 429). A conversation whose topic was never made gets it now,
 * with the card; a topic deleted or closed by hand is reopened or replaced (with a new card) and
 * the copy made again, unless `recover` is false (a closed conversation: its topic stays shut).
 * Telegram's errors other than a gone topic are the caller's to handle.
 */
export async function copyToTopic(
  s: SupportDeps,
  conversation: SupportConversation,
  customer: Customer,
  step: string,
  from: { chatId: number; messageId: number },
  recover = true,
): Promise<void> {
  const { support } = s.deps.services;
  const chatId = s.deps.config.supportChatId!;
  const threadId = await topicFor(s, conversation, customer, step);
  const copy = (thread: number) => s.telegram.copyMessage(chatId, from.chatId, from.messageId, { message_thread_id: thread });
  try {
    await copy(threadId);
  } catch (err) {
    const failure = classifyTelegramError(err);
    if (!recover || failure.kind !== 'bad_request' || !/thread|topic/i.test(failure.description)) throw err;
    // The topic was deleted (or closed) by hand in the group: reopen or replace it, then retry.
    s.deps.logger.warn({ err, conversation: conversation.id }, 'support topic gone; reopening or making a new one');
    await support.setTopicClosed(conversation.customerId, true);
    const replaced = await ensureTopic(s, customer);
    if (replaced !== threadId) {
      await support.attachThread(conversation.id, replaced);
      await postCard(s, conversation, customer, step, replaced);
    }
    await copy(replaced);
  }
}
