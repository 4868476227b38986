import type { Update } from 'telegraf/types';

/** What the logs say about an update: its id, type and chat, never its content. */
export interface UpdateSummary {
  updateId: number;
  /** The update's kind: message, callback_query, pre_checkout_query… */
  type: string;
  chatId: number | undefined;
}

/**
 * The log's view of an update. The update itself never goes into a log line: it carries what
 * customers type and share (names, phone numbers, addresses, locations) and payment details.
 */
export function updateSummary(update: Update): UpdateSummary {
  const type = Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
  const body = (update as unknown as Record<string, unknown>)[type] as { chat?: { id?: number }; message?: { chat?: { id?: number } }; from?: { id?: number } } | undefined;
  // A callback query's chat is its message's; payment queries have only a sender (a private chat of the same id).
  const chatId = body?.chat?.id ?? body?.message?.chat?.id ?? body?.from?.id;
  return { updateId: update.update_id, type, chatId };
}
