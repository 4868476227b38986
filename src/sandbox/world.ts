/**
 * What the sandbox's people see: their chats with the bot, the support forum and its topics, the
 * bot's command menus. Built from the calls the bot makes to the emulator (./emulator), plus the
 * messages people send from the page (./actions.ts). Every change is announced to listeners
 * (the page's event stream, ./server.ts).
 */
import type { RecordedCall } from './emulator/recording.js';
import { isRecord } from './emulator/messages.js';
import { isUploadedFile } from './emulator/http.js';
import type { BotApiStandIn, StoredMessage } from './emulator/bot-api-emulator.js';

export type Language = 'zh-CN' | 'en';
export type Role = 'customer' | 'admin' | 'agent' | 'marketer' | 'ops' | 'manager';

export interface Persona {
  id: number;
  name: string;
  language: Language;
  role: Role;
  /** Customers only: the bot is blocked (its sends answer 403). */
  blocked: boolean;
  phone: string;
}

export interface InvoiceView {
  title: string;
  description: string;
  currency: string;
  prices: Array<{ label: string; amount: number }>;
  total: number;
  payload: string;
  needName: boolean;
  needPhone: boolean;
  needShipping: boolean;
  flexible: boolean;
  paid: boolean;
}

export interface ViewMessage {
  id: number;
  chatId: number;
  threadId?: number;
  from: { id: number; name: string; bot: boolean };
  date: number;
  text?: string;
  caption?: string;
  /** 'HTML' when text/caption carry Telegram's HTML; otherwise plain text. */
  parseMode?: string;
  photo?: string;
  invoice?: InvoiceView;
  contact?: { phone: string; name: string };
  /** A line in the middle of the chat, not a bubble (payments, topic events). */
  service?: { key: string; params: Record<string, string | number> };
  inlineKeyboard?: unknown[][];
  edited: boolean;
}

export interface Topic {
  threadId: number;
  name: string;
  closed: boolean;
  iconColor: number;
}

export type WorldEvent =
  | { type: 'chat'; chatId: number; threadId?: number }
  | { type: 'personas' }
  /** "Reset sandbox": every chat is empty, the people are those of data/sandbox.json again. */
  | { type: 'reset' }
  | { type: 'toast'; personaId: number; text: string; alert: boolean; url?: string }
  | { type: 'keyboard'; chatId: number };

const SEND_FIELDS = ['sendMessage', 'sendPhoto', 'sendDocument', 'sendInvoice', 'sendContact', 'sendLocation', 'sendVideo', 'sendAnimation', 'sendSticker'];
const EDIT_FIELDS = ['editMessageText', 'editMessageCaption', 'editMessageMedia', 'editMessageReplyMarkup'];

/** An uploaded picture as the page gets it from /media?upload=<n>. */
export interface UploadedPicture {
  bytes: Buffer;
  type: string;
}

const PICTURE_TYPES: Array<[RegExp, string]> = [
  [/^89504e47/, 'image/png'],
  [/^ffd8ff/, 'image/jpeg'],
  [/^47494638/, 'image/gif'],
  [/^52494646/, 'image/webp'],
];

const asNumber = (value: unknown): number => Number(value);
/** A string field of a Bot API object, or '' when it is missing or not a string. */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export class World {
  readonly personas = new Map<number, Persona>();
  readonly topics = new Map<number, Topic>();
  /** Per chat id, its messages in order. */
  private readonly chats = new Map<number, ViewMessage[]>();
  /** Per chat, the reply keyboard the bot last set (null: removed). */
  private readonly keyboards = new Map<number, unknown>();
  /** setMyCommands lists, by scope and language. */
  private readonly commands = new Map<string, unknown[]>();
  /** file_id → image address, so a photo re-sent by file_id still shows. */
  private readonly files = new Map<string, string>();
  /** Pictures the bot uploaded, by number: the page shows them as sent (/media?upload=<n>). */
  private readonly uploads = new Map<number, UploadedPicture>();
  private readonly listeners = new Set<(event: WorldEvent) => void>();

  constructor(
    private readonly emulator: BotApiStandIn,
    readonly groupId: number,
    readonly groupTitle: string,
  ) {}

  on(listener: (event: WorldEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: WorldEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  messages(chatId: number, threadId?: number): ViewMessage[] {
    const all = this.chats.get(chatId) ?? [];
    if (chatId !== this.groupId) return all;
    return all.filter((m) => (m.threadId ?? 0) === (threadId ?? 0));
  }

  message(chatId: number, messageId: number): ViewMessage | undefined {
    return this.chats.get(chatId)?.find((m) => m.id === messageId);
  }

  keyboard(chatId: number): unknown {
    return this.keyboards.get(chatId) ?? null;
  }

  /** The command menu a person sees in their chat with the bot, resolved as Telegram does. */
  commandsFor(persona: Persona): unknown[] {
    const lang = persona.language === 'zh-CN' ? 'zh' : 'en';
    const chat = JSON.stringify({ type: 'chat', chat_id: persona.id });
    const order = [`${chat}|${lang}`, `${chat}|`, `{"type":"all_private_chats"}|${lang}`, `{"type":"all_private_chats"}|`, `{"type":"default"}|${lang}`, `{"type":"default"}|`];
    for (const key of order) {
      const found = this.commands.get(key);
      if (found) return found;
    }
    return [];
  }

  /** Empties every chat and the forum, for "Reset sandbox" (the command menus stay: they are the bot's settings). */
  clearChats(): void {
    this.chats.clear();
    this.keyboards.clear();
    this.files.clear();
    this.uploads.clear();
    this.topics.clear();
  }

  /** Adds a message a person sent from the page. */
  addUserMessage(message: ViewMessage): void {
    this.push(message);
  }

  addService(chatId: number, key: string, params: Record<string, string | number>, threadId?: number): void {
    const id = this.emulator.nextMessageId(chatId);
    this.push({ id, chatId, threadId, from: { id: 0, name: '', bot: false }, date: Math.floor(Date.now() / 1000), service: { key, params }, edited: false });
  }

  markPaid(chatId: number, messageId: number): void {
    const message = this.message(chatId, messageId);
    if (message?.invoice) {
      message.invoice.paid = true;
      this.emit({ type: 'chat', chatId, threadId: message.threadId });
    }
  }

  /** Follows one answered Bot API call. */
  observe(call: RecordedCall): void {
    if (!call.response.ok) return;
    const { method, params } = call;
    const result: unknown = call.response.result;
    if (SEND_FIELDS.includes(method) && isRecord(result)) return this.fromSend(method, params, result as StoredMessage);
    if (method === 'sendMediaGroup' && Array.isArray(result)) {
      for (const item of result) if (isRecord(item)) this.fromStored(item as StoredMessage, {});
      return;
    }
    if (method === 'copyMessage' || method === 'forwardMessage') {
      const id = isRecord(result) ? asNumber(result.message_id) : NaN;
      const stored = this.emulator.message(asNumber(params.chat_id), id);
      if (stored) this.fromStored(stored, params);
      return;
    }
    if (EDIT_FIELDS.includes(method) && isRecord(result)) return this.fromEdit(method, params, result as StoredMessage);
    if (method === 'deleteMessage') return this.remove(asNumber(params.chat_id), asNumber(params.message_id));
    if (method === 'createForumTopic' && isRecord(result)) {
      const threadId = asNumber(result.message_thread_id);
      this.topics.set(threadId, { threadId, name: String(result.name), closed: false, iconColor: asNumber(result.icon_color) });
      return this.emit({ type: 'chat', chatId: this.groupId });
    }
    if (['editForumTopic', 'closeForumTopic', 'reopenForumTopic', 'deleteForumTopic'].includes(method)) return this.topicChange(method, params);
    if (method === 'setMyCommands' || method === 'deleteMyCommands') {
      const key = `${JSON.stringify(params.scope ?? { type: 'default' })}|${typeof params.language_code === 'string' ? params.language_code : ''}`;
      if (method === 'setMyCommands' && Array.isArray(params.commands)) this.commands.set(key, params.commands as unknown[]);
      else this.commands.delete(key);
      return this.emit({ type: 'personas' });
    }
  }

  /** An uploaded picture by its number, for /media?upload=<n>. */
  picture(n: number): UploadedPicture | undefined {
    return this.uploads.get(n);
  }

  /**
   * The address the page shows a photo parameter at: an uploaded picture as it was sent (an
   * `attach://` name is looked up in the request), a URL drawn by the sandbox, a file_id as the
   * picture it was first sent as.
   */
  private mediaSrc(value: unknown, params: Record<string, unknown>): string | undefined {
    if (typeof value === 'string' && value.startsWith('attach://')) return this.mediaSrc(params[value.slice('attach://'.length)], {});
    if (typeof value === 'string') return /^https?:\/\//.test(value) ? `/media?src=${encodeURIComponent(value)}` : this.files.get(value);
    if (!isUploadedFile(value)) return undefined;
    const hex = value.bytes.subarray(0, 4).toString('hex');
    const type = PICTURE_TYPES.find(([magic]) => magic.test(hex))?.[1];
    if (!type) return `/media?src=${encodeURIComponent(`upload:${value.filename}`)}`;
    const n = this.uploads.size + 1;
    this.uploads.set(n, { bytes: value.bytes, type });
    return `/media?upload=${n}`;
  }

  private fromSend(method: string, params: Record<string, unknown>, result: StoredMessage): void {
    const message = this.base(result);
    message.parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : undefined;
    if (typeof result.text === 'string') message.text = result.text;
    if (typeof result.caption === 'string') message.caption = result.caption;
    if (method === 'sendPhoto') {
      message.photo = this.mediaSrc(params.photo, params);
      const sizes = Array.isArray(result.photo) ? (result.photo as Array<{ file_id: string }>) : [];
      if (message.photo) for (const size of sizes) this.files.set(size.file_id, message.photo);
    }
    if (method === 'sendInvoice') message.invoice = invoiceOf(params);
    if (method === 'sendContact') message.contact = { phone: String(params.phone_number), name: String(params.first_name) };
    if (isRecord(params.reply_markup)) this.replyKeyboard(message.chatId, params.reply_markup);
    this.push(message);
  }

  /** A copy or forward: its content is what the emulator kept of the original. */
  private fromStored(stored: StoredMessage, params: Record<string, unknown>): void {
    const message = this.base(stored);
    if (typeof stored.text === 'string') message.text = stored.text;
    if (typeof stored.caption === 'string') message.caption = stored.caption;
    message.parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : undefined;
    const photo = Array.isArray(stored.photo) ? (stored.photo as Array<{ file_id: string }>) : [];
    const original = photo.map((size) => this.files.get(size.file_id)).find(Boolean);
    if (photo.length > 0) message.photo = original ?? '/media?src=photo';
    if (isRecord(stored.contact)) message.contact = { phone: String(stored.contact.phone_number), name: String(stored.contact.first_name) };
    this.push(message);
  }

  private fromEdit(method: string, params: Record<string, unknown>, result: StoredMessage): void {
    const message = this.message(result.chat.id, result.message_id);
    if (!message) return;
    if (method === 'editMessageText') {
      message.text = typeof result.text === 'string' ? result.text : '';
      message.parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : undefined;
    }
    if (method === 'editMessageCaption') {
      message.caption = typeof result.caption === 'string' ? result.caption : undefined;
      message.parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : undefined;
    }
    if (method === 'editMessageMedia' && isRecord(params.media)) {
      message.photo = this.mediaSrc(params.media.media, params) ?? message.photo;
      const sizes = Array.isArray(result.photo) ? (result.photo as Array<{ file_id: string }>) : [];
      if (message.photo) for (const size of sizes) this.files.set(size.file_id, message.photo);
      message.caption = typeof params.media.caption === 'string' ? params.media.caption : undefined;
      message.parseMode = typeof params.media.parse_mode === 'string' ? params.media.parse_mode : undefined;
    }
    message.inlineKeyboard = inlineRows(result.reply_markup);
    message.edited = method !== 'editMessageReplyMarkup' || message.edited;
    this.emit({ type: 'chat', chatId: message.chatId, threadId: message.threadId });
  }

  private base(stored: StoredMessage): ViewMessage {
    const from = isRecord(stored.from) ? stored.from : {};
    return {
      id: stored.message_id,
      chatId: stored.chat.id,
      threadId: typeof stored.message_thread_id === 'number' ? stored.message_thread_id : undefined,
      from: { id: asNumber(from.id ?? 0), name: text(from.first_name), bot: from.is_bot === true },
      date: stored.date,
      inlineKeyboard: inlineRows(stored.reply_markup),
      edited: false,
    };
  }

  private replyKeyboard(chatId: number, markup: Record<string, unknown>): void {
    if (Array.isArray(markup.keyboard)) this.keyboards.set(chatId, markup);
    else if (markup.remove_keyboard === true) this.keyboards.set(chatId, null);
    else return;
    this.emit({ type: 'keyboard', chatId });
  }

  private push(message: ViewMessage): void {
    const list = this.chats.get(message.chatId) ?? [];
    list.push(message);
    // A long session keeps the latest 500 messages of a chat.
    if (list.length > 500) list.splice(0, list.length - 500);
    this.chats.set(message.chatId, list);
    this.emit({ type: 'chat', chatId: message.chatId, threadId: message.threadId });
  }

  private remove(chatId: number, messageId: number): void {
    const list = this.chats.get(chatId);
    const index = list?.findIndex((m) => m.id === messageId) ?? -1;
    if (!list || index < 0) return;
    const [gone] = list.splice(index, 1);
    this.emit({ type: 'chat', chatId, threadId: gone?.threadId });
  }

  private topicChange(method: string, params: Record<string, unknown>): void {
    const threadId = asNumber(params.message_thread_id);
    const topic = this.topics.get(threadId);
    if (!topic) return;
    if (method === 'editForumTopic' && typeof params.name === 'string') topic.name = params.name;
    if (method === 'closeForumTopic') topic.closed = true;
    if (method === 'reopenForumTopic') topic.closed = false;
    if (method === 'deleteForumTopic') {
      this.topics.delete(threadId);
      const list = this.chats.get(this.groupId);
      if (list)
        this.chats.set(
          this.groupId,
          list.filter((m) => m.threadId !== threadId),
        );
    }
    this.emit({ type: 'chat', chatId: this.groupId, threadId });
  }
}

const inlineRows = (markup: unknown): unknown[][] | undefined => (isRecord(markup) && Array.isArray(markup.inline_keyboard) ? (markup.inline_keyboard as unknown[][]) : undefined);

function invoiceOf(params: Record<string, unknown>): InvoiceView {
  const prices = Array.isArray(params.prices)
    ? (params.prices as Array<{ label?: unknown; amount?: unknown }>).map((p) => ({ label: text(p.label), amount: Number(p.amount ?? 0) }))
    : [];
  return {
    title: text(params.title),
    description: text(params.description),
    currency: text(params.currency),
    prices,
    total: prices.reduce((sum, p) => sum + p.amount, 0),
    payload: text(params.payload),
    needName: params.need_name === true,
    needPhone: params.need_phone_number === true,
    needShipping: params.need_shipping_address === true,
    flexible: params.is_flexible === true,
    paid: false,
  };
}
