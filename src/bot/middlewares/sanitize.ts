import type { MiddlewareFn } from 'telegraf';
import { cleanName, storableText } from '../../shared/text.js';
import type { BotContext } from '../context.js';

/** Fields that hold a person's or a chat's name: also freed of bidi overrides and zero-width characters. */
const NAME_KEYS = new Set(['first_name', 'last_name', 'username', 'title', 'name', 'sender_chat_title', 'author_signature']);

/**
 * Cleans every string of `value` in place: what Postgres cannot store becomes U+FFFD (one UTF-16
 * unit for one, so message entities' offsets still fit) and names lose the characters that
 * disguise them (src/shared/text.ts). Callback data is left byte-exact (its codecs in
 * src/telegram/callback-data.ts validate it), so is anything under it.
 */
export function sanitizeInPlace(value: unknown, depth = 0): void {
  if (depth > 12 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'string') value[i] = storableText(item);
      else sanitizeInPlace(item, depth + 1);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  const isCallbackQuery = typeof record.chat_instance === 'string';
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field === 'string') {
      if (isCallbackQuery && key === 'data') continue;
      record[key] = NAME_KEYS.has(key) ? cleanName(field) : storableText(field);
    } else if (field !== null && typeof field === 'object') sanitizeInPlace(field, depth + 1);
  }
}

/**
 * The one place where text from Telegram is made safe: every string field of the incoming update
 * (text, caption, names, contact, location and venue names, shipping address, order_info, payload)
 * is cleaned in place before any feature reads it or anything stores it. Mounted right after the
 * boundary (src/bot/index.ts).
 */
export const sanitizeUpdate: MiddlewareFn<BotContext> = (ctx, next) => {
  sanitizeInPlace(ctx.update);
  return next();
};
