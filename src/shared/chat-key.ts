/**
 * The unit of ordering of incoming updates, computed from the raw update (the inbox stores it,
 * src/domain/inbox): updates with the same key are handled one at a time, in update_id order.
 * It is the chat; in a forum supergroup (the support desk) the topic, since each topic is one
 * customer's conversation and agents in different topics need not wait for each other; the
 * sender when there is no chat. A pre-checkout query has a lane of its own (`<user>:pay`): it
 * must be answered within 10 s, so it never waits behind the chat's other updates.
 */

type Chat = { id: number; type?: string; is_forum?: boolean };
type Msg = { chat?: Chat; from?: { id: number }; message_thread_id?: number; is_topic_message?: boolean };
type RawUpdate = { update_id: number } & Record<string, unknown>;

/** The update's kind: its one field besides update_id (message, callback_query, …). */
export function updateKind(update: RawUpdate): string {
  for (const k of Object.keys(update)) if (k !== 'update_id') return k;
  return 'unknown';
}

/** The key as src/bot/middlewares' ordering had it: chat, forum topic, or sender. */
export function chatKeyFrom(chat: Chat | undefined, fromId: number | undefined, msg: Msg | undefined): string | undefined {
  if (!chat) return fromId === undefined ? undefined : String(fromId);
  if (chat.type !== 'supergroup' || !chat.is_forum) return String(chat.id);
  return `${chat.id}:${msg?.is_topic_message ? (msg.message_thread_id ?? 0) : 0}`;
}

/** The chat key of a raw update; an update with neither chat nor sender gets a lane of its own. */
export function chatKeyOf(update: RawUpdate): string {
  const kind = updateKind(update);
  const body = update[kind] as (Msg & { message?: Msg; chat?: Chat }) | undefined;
  if (kind === 'pre_checkout_query') return `${body?.from?.id ?? 0}:pay`;
  let chat: Chat | undefined;
  let msg: Msg | undefined;
  if (kind === 'callback_query') {
    msg = body?.message;
    chat = msg?.chat;
  } else {
    chat = body?.chat;
    // message, edited_message, channel_post…: the body is the message itself.
    msg = body && 'message_id' in body ? body : undefined;
  }
  return chatKeyFrom(chat, body?.from?.id, msg) ?? `update:${update.update_id}`;
}
