/**
 * What the stand-in knows about chats, users and messages: enough to answer
 * with realistic Message objects and to tell "message is not modified" apart.
 */
import type { Chat, User } from 'telegraf/types';
import { isUploadedFile, type Params } from './http.js';

/** A Message as returned to the bot. Loosely typed: it echoes whatever the bot sent. */
export interface StoredMessage {
  message_id: number;
  date: number;
  chat: Chat;
  [field: string]: unknown;
}

interface Entry {
  message: StoredMessage;
  /** Came from an injected update: its content is only partially known, so edits always count as changes. */
  partial: boolean;
}

export const unixNow = (): number => Math.floor(Date.now() / 1000);

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isMessageLike = (value: unknown): value is StoredMessage => isRecord(value) && typeof value.message_id === 'number' && isRecord(value.chat) && typeof value.date === 'number';

/** JSON with sorted keys, so equal objects compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (isRecord(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner));
}

export class MessageStore {
  private readonly messages = new Map<string, Entry>();
  private readonly lastIds = new Map<string, number>();
  private readonly chats = new Map<string, Chat>();
  private readonly users = new Map<string, User>();

  /** The chat as last seen in an update, or a plausible one (negative ids are supergroups). */
  chat(chatId: unknown): Chat {
    const known = this.chats.get(String(chatId));
    if (known) return known;
    const id = Number(chatId);
    if (!Number.isInteger(id)) {
      // `@channelusername`: a channel with a made-up id.
      return { id: -1_009_999_999_999, type: 'channel', title: String(chatId), username: String(chatId).slice(1) };
    }
    return id < 0 ? { id, type: 'supergroup', title: `Group ${id}` } : { id, type: 'private', first_name: `User${id}` };
  }

  user(userId: unknown): User | undefined {
    return this.users.get(String(userId));
  }

  /** Ids grow per chat and continue after the highest id seen in that chat. */
  nextMessageId(chatId: unknown): number {
    const key = String(chatId);
    const next = (this.lastIds.get(key) ?? 0) + 1;
    this.lastIds.set(key, next);
    return next;
  }

  get(chatId: unknown, messageId: unknown): Entry | undefined {
    return this.messages.get(`${String(chatId)}:${String(messageId)}`);
  }

  save(message: StoredMessage, partial = false): void {
    const chatKey = String(message.chat.id);
    this.messages.set(`${chatKey}:${message.message_id}`, { message, partial });
    this.lastIds.set(chatKey, Math.max(this.lastIds.get(chatKey) ?? 0, message.message_id));
  }

  remove(chatId: unknown, messageId: unknown): void {
    this.messages.delete(`${String(chatId)}:${String(messageId)}`);
  }

  /** Learns the chats, users and messages an incoming update mentions. */
  ingest(update: object): void {
    for (const value of Object.values(update)) {
      if (!isRecord(value)) continue;
      if (isRecord(value.from)) this.learnUser(value.from);
      if (isRecord(value.chat)) this.chats.set(String(value.chat.id), value.chat as unknown as Chat);
      const message = isMessageLike(value) ? value : value.message;
      if (!isMessageLike(message)) continue;
      this.chats.set(String(message.chat.id), message.chat);
      // Never overwrite a message the stand-in itself produced (ids may collide, see nextMessageId in test/support/updates.ts).
      if (!this.get(message.chat.id, message.message_id)) this.save(message, true);
    }
  }

  learnChat(chat: Chat): void {
    this.chats.set(String(chat.id), chat);
  }

  private learnUser(user: Record<string, unknown>): void {
    if (typeof user.id === 'number' && user.is_bot !== true) this.users.set(String(user.id), user as unknown as User);
  }

  /** Forgets every message but keeps the chats, users and id counters (Telegram never reuses an id). */
  clearMessages(): void {
    this.messages.clear();
  }

  clear(): void {
    this.messages.clear();
    this.lastIds.clear();
    this.chats.clear();
    this.users.clear();
  }
}

let fileCounter = 0;

/**
 * file_id/file_unique_id for sent media. A file_id sent by the bot is echoed;
 * uploads, `attach://` references and URLs get fresh ids.
 */
function fileRef(input: unknown, prefix: string) {
  fileCounter += 1;
  const reuse = typeof input === 'string' && !input.startsWith('attach://') && !/^https?:\/\//.test(input);
  return {
    file_id: reuse ? input : `${prefix}StandIn${fileCounter}`,
    file_unique_id: `AgADStandIn${fileCounter}`,
  };
}

/** Message fields for one kind of media (`photo`, `document`, ...), as Telegram would fill them. */
export function mediaContent(type: string, input: unknown): Record<string, unknown> {
  const upload = isUploadedFile(input) ? input : undefined;
  switch (type) {
    case 'photo': {
      const ref = fileRef(input, 'AgACAgIAAxkBAAI');
      return {
        photo: [
          { file_id: `${ref.file_id}-s`, file_unique_id: `${ref.file_unique_id}-s`, width: 90, height: 68 },
          { file_id: `${ref.file_id}-m`, file_unique_id: `${ref.file_unique_id}-m`, width: 320, height: 240 },
          { ...ref, width: 1280, height: 960, file_size: upload?.size ?? 142_904 },
        ],
      };
    }
    case 'video':
      return { video: { ...fileRef(input, 'BAACAgIAAxkBAAI'), width: 1280, height: 720, duration: 10 } };
    case 'animation': {
      const animation = { ...fileRef(input, 'CgACAgIAAxkBAAI'), width: 480, height: 270, duration: 3 };
      return { animation, document: animation };
    }
    case 'audio':
      return { audio: { ...fileRef(input, 'CQACAgIAAxkBAAI'), duration: 30 } };
    case 'voice':
      return { voice: { ...fileRef(input, 'AwACAgIAAxkBAAI'), duration: 5 } };
    case 'sticker':
      return {
        sticker: {
          ...fileRef(input, 'CAACAgIAAxkBAAI'),
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
        },
      };
    default: {
      const document: Record<string, unknown> = { ...fileRef(input, 'BQACAgIAAxkBAAI') };
      if (upload) Object.assign(document, { file_name: upload.filename, file_size: upload.size });
      if (upload?.contentType !== undefined) document.mime_type = upload.contentType;
      return { document };
    }
  }
}

/** Message fields for the content a send* method carries (text, media, invoice, ...). */
export function sentContent(method: string, params: Params): Record<string, unknown> {
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((key) => params[key] !== undefined).map((key) => [key, params[key]]));
  const captioned = pick('caption', 'caption_entities', 'has_spoiler');
  switch (method) {
    case 'sendMessage':
      return pick('text', 'entities');
    case 'sendPhoto':
      return { ...mediaContent('photo', params.photo), ...captioned };
    case 'sendVideo':
      return { ...mediaContent('video', params.video), ...captioned };
    case 'sendAnimation':
      return { ...mediaContent('animation', params.animation), ...captioned };
    case 'sendAudio':
      return { ...mediaContent('audio', params.audio), ...captioned };
    case 'sendVoice':
      return { ...mediaContent('voice', params.voice), ...captioned };
    case 'sendSticker':
      return mediaContent('sticker', params.sticker);
    case 'sendDocument':
      return { ...mediaContent('document', params.document), ...captioned };
    case 'sendLocation':
      return { location: pick('latitude', 'longitude') };
    case 'sendContact':
      return { contact: pick('phone_number', 'first_name', 'last_name') };
    case 'sendInvoice': {
      const prices = Array.isArray(params.prices) ? (params.prices as Array<{ amount?: unknown }>) : [];
      const total = prices.reduce((sum, price) => sum + Number(price.amount ?? 0), 0);
      return {
        invoice: {
          title: params.title,
          description: params.description,
          start_parameter: params.start_parameter ?? '',
          currency: params.currency,
          total_amount: total,
        },
      };
    }
    default:
      return {};
  }
}

/** Message fields describing media, dropped when `editMessageMedia` swaps the media. */
export const MEDIA_FIELDS = ['photo', 'video', 'animation', 'audio', 'voice', 'document', 'sticker'] as const;
