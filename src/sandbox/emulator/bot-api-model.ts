/**
 * The simulated Bot API: per-method semantics and the state behind them
 * (messages, pending updates, webhook, commands). Transport, recording and
 * fault injection live in ./bot-api-emulator.ts.
 */
import type { User, UserFromGetMe } from 'telegraf/types';
import { apiError, ok, type ApiResponse } from './faults.js';
import type { Params } from './http.js';
import { canonicalJson, isRecord, mediaContent, MEDIA_FIELDS, MessageStore, sentContent, unixNow, type StoredMessage } from './messages.js';
import { UpdateQueue } from './update-queue.js';

/** Last `setWebhook` parameters. */
export interface WebhookConfig extends Params {
  url: string;
  secret_token?: string;
}

type Handler = (params: Params, signal: AbortSignal) => ApiResponse | Promise<ApiResponse>;

/** A file a test user "sent" (putFile): what getFile describes and the download serves. */
export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_name: string;
  mime_type?: string;
  bytes: Buffer;
}

/** Telegram's limit on files a bot may download (getFile: "file is too big" beyond it). */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/** Methods that put a message into a chat or change one (what `messagesTo` lists). */
export const MESSAGE_METHODS: ReadonlySet<string> = new Set([
  'sendMessage',
  'sendPhoto',
  'sendDocument',
  'sendVideo',
  'sendAnimation',
  'sendAudio',
  'sendVoice',
  'sendSticker',
  'sendLocation',
  'sendContact',
  'sendInvoice',
  'sendMediaGroup',
  'editMessageText',
  'editMessageCaption',
  'editMessageMedia',
  'editMessageReplyMarkup',
  'copyMessage',
  'forwardMessage',
]);

const SEND_METHODS = [...MESSAGE_METHODS].filter((method) => method.startsWith('send') && method !== 'sendMediaGroup');
const EDIT_METHODS = [...MESSAGE_METHODS].filter((method) => method.startsWith('edit'));
/** Methods that only acknowledge. */
const TRUE_METHODS = [
  'sendChatAction',
  'answerCallbackQuery',
  'answerPreCheckoutQuery',
  'answerShippingQuery',
  'answerInlineQuery',
  'editForumTopic',
  'closeForumTopic',
  'reopenForumTopic',
  'deleteForumTopic',
  'setMyName',
  'setMyDescription',
  'setMyShortDescription',
];

const NOT_MODIFIED = apiError({
  code: 400,
  description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
});
const EDIT_NOT_FOUND = apiError({ code: 400, description: 'Bad Request: message to edit not found' });
const NO_TEXT = apiError({ code: 400, description: 'Bad Request: there is no text in the message to edit' });
const WEBHOOK_ACTIVE = apiError({
  code: 409,
  description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
});
const POLL_SUPERSEDED = apiError({
  code: 409,
  description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
});

/** Fields that are about a message's place rather than its content; a copy gets its own. */
const ENVELOPE_FIELDS = new Set([
  'message_id',
  'date',
  'chat',
  'from',
  'sender_chat',
  'message_thread_id',
  'is_topic_message',
  'edit_date',
  'reply_markup',
  'reply_to_message',
  'forward_origin',
]);

const integer = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : undefined);

/** Only inline keyboards become part of a Message; reply keyboards live in the client. */
const inlineMarkup = (markup: unknown): unknown => (isRecord(markup) && Array.isArray(markup.inline_keyboard) ? markup : undefined);

function setOrDelete(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** What "message is not modified" compares. */
const visibleContent = (message: StoredMessage): string => canonicalJson([message.text, message.entities, message.caption, message.caption_entities, message.reply_markup]);

export class BotApiModel {
  readonly store = new MessageStore();
  readonly updates = new UpdateQueue();
  webhook: WebhookConfig | undefined;
  private readonly commands = new Map<string, unknown>();
  private readonly menuButtons = new Map<string, unknown>();
  /**
   * Group membership the bot changed (`chat:user` → status): approveChatJoinRequest makes a member,
   * banChatMember 'kicked', unbanChatMember 'left'. getChatMember answers from it; people it does not
   * know are members, as before.
   */
  private readonly members = new Map<string, 'member' | 'kicked' | 'left'>();
  private readonly handlers = new Map<string, Handler>();
  /** Files users sent, by file_id, and the same by file_path (for the download route). */
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private fileCounter = 0;

  constructor(readonly bot: UserFromGetMe) {
    for (const method of SEND_METHODS) this.handlers.set(method, (params) => this.send(params, method));
    for (const method of EDIT_METHODS) this.handlers.set(method, (params) => this.edit(method, params));
    for (const method of TRUE_METHODS) this.handlers.set(method, () => ok(true));
    const entries: Array<[string, Handler]> = [
      ['getMe', () => ok(this.bot)],
      ['getUpdates', (params, signal) => this.getUpdates(params, signal)],
      ['setWebhook', (params) => this.setWebhook(params)],
      ['deleteWebhook', (params) => this.deleteWebhook(params)],
      ['getWebhookInfo', () => ok(this.webhookInfo())],
      ['setMyCommands', (params) => (this.commands.set(this.commandsKey(params), params.commands ?? []), ok(true))],
      ['getMyCommands', (params) => ok(this.commands.get(this.commandsKey(params)) ?? [])],
      ['deleteMyCommands', (params) => (this.commands.delete(this.commandsKey(params)), ok(true))],
      ['setChatMenuButton', (params) => (this.menuButtons.set(String(params.chat_id), params.menu_button), ok(true))],
      ['getChatMenuButton', (params) => ok(this.menuButtons.get(String(params.chat_id)) ?? { type: 'default' })],
      ['sendMediaGroup', (params) => this.sendMediaGroup(params)],
      ['copyMessage', (params) => this.copy(params, false)],
      ['forwardMessage', (params) => this.copy(params, true)],
      ['deleteMessage', (params) => (this.store.remove(params.chat_id, params.message_id), ok(true))],
      ['createForumTopic', (params) => this.createForumTopic(params)],
      ['getChat', (params) => ok({ ...this.store.chat(params.chat_id), accent_color_id: 0, max_reaction_count: 11 })],
      ['getChatMember', (params) => ok(this.chatMember(params))],
      ['getFile', (params) => this.file(params)],
      ['approveChatJoinRequest', (params) => this.setMember(params, 'member')],
      ['declineChatJoinRequest', (params) => this.setMember(params, 'left')],
      ['banChatMember', (params) => this.setMember(params, 'kicked')],
      ['unbanChatMember', (params) => this.unban(params)],
    ];
    for (const [method, handler] of entries) this.handlers.set(method, handler);
  }

  /** The handler for a method; lookup ignores case, as the Bot API does. */
  handler(method: string): Handler | undefined {
    return this.handlers.get(method) ?? [...this.handlers].find(([name]) => name.toLowerCase() === method.toLowerCase())?.[1];
  }

  reset(): void {
    this.store.clear();
    this.updates.clear();
    this.webhook = undefined;
    this.commands.clear();
    this.menuButtons.clear();
    this.members.clear();
    this.files.clear();
    this.filesByPath.clear();
  }

  /**
   * Keeps a file as if a user had uploaded it to Telegram: returns the Document to put in a message;
   * getFile then describes it (its real size and a file_path) and the download route serves its bytes.
   */
  putFile(bytes: Buffer, fileName: string, mimeType?: string): { file_id: string; file_unique_id: string; file_name: string; file_size: number; mime_type?: string } {
    this.fileCounter += 1;
    const n = this.fileCounter;
    const extension = /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1] ?? 'dat';
    const file: StoredFile = {
      file_id: `BQACAgIAAxkBAAIStandInDoc${n}`,
      file_unique_id: `AgADStandInDoc${n}`,
      file_path: `documents/file_${n}.${extension}`,
      file_name: fileName,
      ...(mimeType !== undefined ? { mime_type: mimeType } : {}),
      bytes,
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_name: fileName, file_size: bytes.length, ...(mimeType !== undefined ? { mime_type: mimeType } : {}) };
  }

  /** A file kept by putFile, by its file_path (undefined for any other path). */
  fileAt(path: string): StoredFile | undefined {
    return this.filesByPath.get(path);
  }

  /** A group member's status as the bot's calls left it, or undefined when they changed nothing. */
  memberStatus(chatId: number, userId: number): 'member' | 'kicked' | 'left' | undefined {
    return this.members.get(`${chatId}:${userId}`);
  }

  private setMember(params: Params, status: 'member' | 'kicked' | 'left'): ApiResponse {
    const userId = integer(params.user_id);
    const chatId = integer(params.chat_id);
    if (userId === undefined || chatId === undefined) return apiError({ code: 400, description: 'Bad Request: chat_id and user_id are required' });
    if (userId === this.bot.id) return apiError({ code: 400, description: "Bad Request: can't remove chat owner" });
    this.members.set(`${chatId}:${userId}`, status);
    return ok(true);
  }

  /** Telegram: with only_if_banned, only a banned user is touched; without it, a member is removed too. */
  private unban(params: Params): ApiResponse {
    const current = this.members.get(`${integer(params.chat_id)}:${integer(params.user_id)}`) ?? 'member';
    if ((params.only_if_banned === true || params.only_if_banned === 'true') && current !== 'kicked') return ok(true);
    return this.setMember(params, 'left');
  }

  private commandsKey(params: Params): string {
    return canonicalJson([params.scope ?? { type: 'default' }, params.language_code ?? '']);
  }

  /** A fresh bot message in the target chat, with thread, reply and inline keyboard as requested. */
  private newMessage(params: Params): StoredMessage {
    const chatId = params.chat_id;
    const message: StoredMessage = {
      message_id: this.store.nextMessageId(chatId),
      from: this.bot,
      chat: this.store.chat(chatId),
      date: unixNow(),
    };
    if (params.message_thread_id !== undefined) {
      message.message_thread_id = params.message_thread_id;
      message.is_topic_message = true;
    }
    const replyParameters = isRecord(params.reply_parameters) ? params.reply_parameters : {};
    const replyTo = this.store.get(chatId, params.reply_to_message_id ?? replyParameters.message_id);
    if (replyTo) message.reply_to_message = replyTo.message;
    return message;
  }

  private send(params: Params, method: string): ApiResponse {
    const message = { ...this.newMessage(params), ...sentContent(method, params) };
    setOrDelete(message, 'reply_markup', inlineMarkup(params.reply_markup));
    this.store.save(message);
    return ok(message);
  }

  private sendMediaGroup(params: Params): ApiResponse {
    const items = Array.isArray(params.media) ? (params.media as unknown[]) : [];
    const groupId = String(Date.now());
    const messages = items.filter(isRecord).map((item) => {
      const message: StoredMessage = {
        ...this.newMessage(params),
        media_group_id: groupId,
        ...mediaContent(String(item.type), item.media),
      };
      if (item.caption !== undefined) message.caption = item.caption;
      this.store.save(message);
      return message;
    });
    return ok(messages);
  }

  private edit(method: string, params: Params): ApiResponse {
    // Inline messages are not tracked; Telegram answers `true` for them.
    if (params.inline_message_id !== undefined) return ok(true);
    const entry = this.store.get(params.chat_id, params.message_id);
    if (!entry) return EDIT_NOT_FOUND;
    const current = entry.message;
    const next: StoredMessage = { ...current };
    // Leaving reply_markup out of an edit removes the inline keyboard, as on Telegram.
    setOrDelete(next, 'reply_markup', inlineMarkup(params.reply_markup));
    if (method === 'editMessageText') {
      if (!entry.partial && typeof current.text !== 'string') return NO_TEXT;
      next.text = params.text;
      setOrDelete(next, 'entities', params.entities);
    } else if (method === 'editMessageCaption') {
      setOrDelete(next, 'caption', params.caption);
      setOrDelete(next, 'caption_entities', params.caption_entities);
    } else if (method === 'editMessageMedia') {
      const media = isRecord(params.media) ? params.media : {};
      for (const field of MEDIA_FIELDS) delete next[field];
      Object.assign(next, mediaContent(String(media.type), media.media));
      setOrDelete(next, 'caption', media.caption);
      setOrDelete(next, 'caption_entities', media.caption_entities);
    }
    // Content of injected messages is only partly known, and media cannot be compared: count those as changes.
    if (!entry.partial && method !== 'editMessageMedia' && visibleContent(current) === visibleContent(next)) {
      return NOT_MODIFIED;
    }
    next.edit_date = unixNow();
    this.store.save(next);
    return ok(next);
  }

  /** copyMessage / forwardMessage. Lenient: an unknown source message is copied as an empty one. */
  private copy(params: Params, forward: boolean): ApiResponse {
    const source = this.store.get(params.from_chat_id, params.message_id);
    const content = Object.entries(source?.message ?? {}).filter(([key]) => !ENVELOPE_FIELDS.has(key));
    const message: StoredMessage = { ...this.newMessage(params), ...Object.fromEntries(content) };
    if (forward && source) {
      const from = source.message.from;
      message.forward_origin = isRecord(from)
        ? { type: 'user', sender_user: from, date: source.message.date }
        : { type: 'chat', sender_chat: source.message.chat, date: source.message.date };
    }
    if (!forward) {
      if (params.caption !== undefined) message.caption = params.caption;
      if (params.caption_entities !== undefined) message.caption_entities = params.caption_entities;
      setOrDelete(message, 'reply_markup', inlineMarkup(params.reply_markup));
    }
    this.store.save(message, source?.partial ?? true);
    return ok(forward ? message : { message_id: message.message_id });
  }

  private createForumTopic(params: Params): ApiResponse {
    // On Telegram the thread id is the id of the topic's service message.
    const topic: Record<string, unknown> = {
      message_thread_id: this.store.nextMessageId(params.chat_id),
      name: params.name,
      icon_color: params.icon_color ?? 7322096,
    };
    if (params.icon_custom_emoji_id !== undefined) topic.icon_custom_emoji_id = params.icon_custom_emoji_id;
    return ok(topic);
  }

  private chatMember(params: Params): unknown {
    const userId = integer(params.user_id) ?? 0;
    if (userId === this.bot.id && Number(params.chat_id) < 0) {
      return {
        status: 'administrator',
        user: this.bot,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_manage_topics: true,
      };
    }
    const user: User = userId === this.bot.id ? this.bot : (this.store.user(userId) ?? { id: userId, is_bot: false, first_name: `User${userId}` });
    const status = this.members.get(`${integer(params.chat_id)}:${userId}`) ?? 'member';
    return status === 'kicked' ? { status, user, until_date: 0 } : { status, user };
  }

  /** A file kept by putFile as it is; any other file_id a placeholder (served as a line of text). */
  private file(params: Params): ApiResponse {
    const fileId = String(params.file_id);
    const kept = this.files.get(fileId);
    if (kept) {
      if (kept.bytes.length > MAX_DOWNLOAD_BYTES) return apiError({ code: 400, description: 'Bad Request: file is too big' });
      return ok({ file_id: kept.file_id, file_unique_id: kept.file_unique_id, file_size: kept.bytes.length, file_path: kept.file_path });
    }
    return ok({
      file_id: fileId,
      file_unique_id: `AgADStandIn${fileId.length}`,
      file_size: 142_904,
      file_path: `documents/${encodeURIComponent(fileId)}.dat`,
    });
  }

  private async getUpdates(params: Params, signal: AbortSignal): Promise<ApiResponse> {
    if (this.webhook) return WEBHOOK_ACTIVE;
    this.updates.supersede();
    this.updates.confirm(integer(params.offset) ?? 0);
    const limit = Math.min(Math.max(integer(params.limit) ?? 100, 1), 100);
    const timeout = integer(params.timeout) ?? 0;
    if (this.updates.size === 0 && timeout > 0) {
      const outcome = await this.updates.wait(timeout * 1000, signal);
      if (outcome === 'superseded') return POLL_SUPERSEDED;
    }
    return ok(this.updates.take(limit));
  }

  private setWebhook(params: Params): ApiResponse {
    // An empty url removes the webhook.
    this.webhook = typeof params.url === 'string' && params.url !== '' ? { ...params, url: params.url } : undefined;
    if (params.drop_pending_updates === true) this.updates.clear();
    return ok(true);
  }

  private deleteWebhook(params: Params): ApiResponse {
    this.webhook = undefined;
    if (params.drop_pending_updates === true) this.updates.clear();
    return ok(true);
  }

  private webhookInfo(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.size,
    };
    for (const key of ['max_connections', 'ip_address', 'allowed_updates']) {
      if (this.webhook?.[key] !== undefined) info[key] = this.webhook[key];
    }
    return info;
  }
}
