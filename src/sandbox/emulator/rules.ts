/**
 * Telegram's rules the product depends on, each switchable (tests turn on the ones they check; the
 * sandbox turns on the content limits and topic rules):
 * - `limits`: text ≤ 4096 and captions ≤ 1024 characters (counted after HTML parsing), callback
 *   data ≤ 64 bytes, no empty text, an uploaded photo is a picture (PNG, JPEG, GIF or WebP);
 * - `chatRate`: about 1 message per second in a private chat and 20 per minute in a group, answered
 *   with 429 and retry_after beyond that (the bot-wide 30/s is FaultPlan.setRateLimit, ./faults.ts);
 * - `topics`: nothing can be posted to or changed in a deleted forum topic.
 * Errors are worded as the Bot API words them.
 */
import { apiError, type ApiFailure } from './faults.js';
import { isUploadedFile, type Params } from './http.js';
import { isRecord } from './messages.js';

export interface TelegramRules {
  limits: boolean;
  chatRate: boolean;
  topics: boolean;
}

export const NO_RULES: Readonly<TelegramRules> = Object.freeze({ limits: false, chatRate: false, topics: false });

const TEXT_METHODS = new Set(['sendMessage', 'editMessageText']);
const CAPTION_METHODS = new Set(['sendPhoto', 'sendVideo', 'sendDocument', 'sendAnimation', 'sendAudio', 'sendVoice', 'editMessageCaption', 'copyMessage']);
const SENDS = new Set([
  'sendMessage',
  'sendPhoto',
  'sendVideo',
  'sendDocument',
  'sendAnimation',
  'sendAudio',
  'sendVoice',
  'sendSticker',
  'sendLocation',
  'sendContact',
  'sendInvoice',
  'sendMediaGroup',
  'copyMessage',
  'forwardMessage',
]);
const TOPIC_METHODS = new Set(['editForumTopic', 'closeForumTopic', 'reopenForumTopic', 'deleteForumTopic']);

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"' };

/** The length Telegram counts: HTML tags removed and entities decoded when parse_mode is HTML (UTF-16 units). */
export function visibleLength(text: string, parseMode: unknown): number {
  const plain = parseMode === 'HTML' ? text.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot);/g, (m) => ENTITIES[m] ?? m) : text;
  return plain.length;
}

/** PNG, JPEG, GIF or WebP, by their first bytes: what Telegram can make a photo of. */
export function isPicture(bytes: Buffer): boolean {
  const hex = bytes.subarray(0, 12).toString('hex');
  return hex.startsWith('89504e47') || hex.startsWith('ffd8ff') || hex.startsWith('47494638') || (hex.startsWith('52494646') && hex.endsWith('57454250'));
}

/** The uploaded file a photo parameter names: itself, or the `attach://name` part of the request. */
function uploadedPhoto(params: Params, method: string): unknown {
  const value = method === 'sendPhoto' ? params.photo : isRecord(params.media) && params.media.type === 'photo' ? params.media.media : undefined;
  if (typeof value === 'string' && value.startsWith('attach://')) return params[value.slice('attach://'.length)];
  return value;
}

function tooBig(params: Params, method: string): ApiFailure | undefined {
  const photo = method === 'sendPhoto' || method === 'editMessageMedia' ? uploadedPhoto(params, method) : undefined;
  if (isUploadedFile(photo) && !isPicture(photo.bytes)) return apiError({ code: 400, description: 'Bad Request: IMAGE_PROCESS_FAILED' });
  if (TEXT_METHODS.has(method)) {
    const text = typeof params.text === 'string' ? params.text : '';
    const length = visibleLength(text, params.parse_mode);
    if (length === 0) return apiError({ code: 400, description: 'Bad Request: message text is empty' });
    if (length > 4096) return apiError({ code: 400, description: 'Bad Request: message is too long' });
  }
  if (CAPTION_METHODS.has(method) && typeof params.caption === 'string' && visibleLength(params.caption, params.parse_mode) > 1024) {
    return apiError({ code: 400, description: 'Bad Request: message caption is too long' });
  }
  const markup = params.reply_markup;
  const rows = isRecord(markup) && Array.isArray(markup.inline_keyboard) ? (markup.inline_keyboard as unknown[]) : [];
  for (const button of rows.flat()) {
    if (isRecord(button) && typeof button.callback_data === 'string' && Buffer.byteLength(button.callback_data) > 64) {
      return apiError({ code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
    }
  }
  return undefined;
}

/** "chat:thread" of a call's forum topic (ids are numbers or digit strings). */
const topicKey = (params: Params): string => `${Number(params.chat_id)}:${Number(params.message_thread_id)}`;

export class RuleBook {
  rules: TelegramRules;
  /** Per chat, when its recent messages were sent (ms). */
  private readonly sent = new Map<string, number[]>();
  private readonly deletedTopics = new Set<string>();

  constructor(rules: Partial<TelegramRules> = {}) {
    this.rules = { ...NO_RULES, ...rules };
  }

  /** The error Telegram would answer this call with, if any; counts an admitted send. */
  check(method: string, params: Params, now: number): ApiFailure | undefined {
    const chat = String(params.chat_id);
    if (this.rules.limits) {
      const broken = tooBig(params, method);
      if (broken) return broken;
    }
    if (this.rules.topics && params.message_thread_id !== undefined && this.deletedTopics.has(topicKey(params))) {
      return apiError({ code: 400, description: TOPIC_METHODS.has(method) ? 'Bad Request: TOPIC_ID_INVALID' : 'Bad Request: message thread not found' });
    }
    if (this.rules.chatRate && SENDS.has(method) && params.chat_id !== undefined) {
      const group = Number(params.chat_id) < 0;
      const [windowMs, max] = group ? [60_000, 20] : [1000, 1];
      const recent = (this.sent.get(chat) ?? []).filter((at) => at > now - windowMs);
      if (recent.length >= max) {
        const retry = Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000));
        this.sent.set(chat, recent);
        return apiError({ code: 429, description: `Too Many Requests: retry after ${retry}`, retryAfter: retry });
      }
      recent.push(now);
      this.sent.set(chat, recent);
    }
    return undefined;
  }

  /** Follows successful calls that change the rules' state (deleted topics). */
  observe(method: string, params: Params): void {
    if (method === 'deleteForumTopic') this.deletedTopics.add(topicKey(params));
  }

  clear(): void {
    this.sent.clear();
    this.deletedTopics.clear();
  }
}
