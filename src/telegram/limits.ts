import type { Telegram } from 'telegraf';
import { cutHtml, cutPlain, TELEGRAM_CAPTION_MAX, TELEGRAM_TEXT_MAX } from '../shared/text.js';

/** Methods whose `text` is a message text (4096), and those whose `caption` is a caption (1024). */
const TEXT_METHODS = new Set(['sendMessage', 'editMessageText']);
const CAPTION_METHODS = new Set(['sendPhoto', 'sendVideo', 'sendDocument', 'sendAnimation', 'sendAudio', 'sendVoice', 'copyMessage', 'editMessageCaption']);

interface Entity {
  offset: number;
  length: number;
}

/** `text` within `max`: HTML-aware when parse_mode is HTML; entities cut to what is left. */
function cutField(payload: Record<string, unknown>, field: 'text' | 'caption', entitiesField: string, max: number): void {
  const value = payload[field];
  if (typeof value !== 'string' || value.length <= max) return;
  if (payload.parse_mode === 'HTML') {
    payload[field] = cutHtml(value, max);
    return;
  }
  const cut = cutPlain(value, max);
  payload[field] = cut;
  const entities = payload[entitiesField];
  if (Array.isArray(entities)) {
    const end = cut.length - 1; // the marker is not formatted
    payload[entitiesField] = (entities as Entity[]).filter((e) => e.offset < end).map((e) => (e.offset + e.length > end ? { ...e, length: end - e.offset } : e));
  }
}

/**
 * Cuts what goes to Telegram to its limits (4096 characters of text, 1024 of caption) with a
 * visible "…", so a long transcript, note or customer text is shown shortened rather than refused
 * with "message is too long". The one place for it: every Bot API client of the app goes through
 * this (src/bot/index.ts for the bot, src/deps.ts for the workers and the CLI).
 */
export function cutToTelegramLimits(telegram: Telegram): void {
  const call = telegram.callApi.bind(telegram);
  telegram.callApi = ((method: Parameters<typeof call>[0], payload: Parameters<typeof call>[1], opts?: Parameters<typeof call>[2]) => {
    if (payload && typeof payload === 'object') {
      const p = payload as Record<string, unknown>;
      if (TEXT_METHODS.has(method)) cutField(p, 'text', 'entities', TELEGRAM_TEXT_MAX);
      else if (CAPTION_METHODS.has(method)) cutField(p, 'caption', 'caption_entities', TELEGRAM_CAPTION_MAX);
    }
    return call(method, payload, opts);
  }) as typeof telegram.callApi;
}
