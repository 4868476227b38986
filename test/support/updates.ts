/**
 * Builders for incoming Telegram updates, for tests and benchmarks.
 *
 * Every builder returns a plain object shaped like a real Bot API `Update`, but
 * WITHOUT `update_id` unless one is passed as `updateId`: the stand-in
 * (`BotApiStandIn.pushUpdate` / `deliverWebhook`) assigns one, and `withId()`
 * does so for updates fed straight into `bot.handleUpdate()`.
 */
import type { Chat, Document, Message, PhotoSize, Update, User } from 'telegraf/types';
import { nextUpdateId, STAND_IN_BOT, type UpdateDraft } from '../../src/sandbox/emulator/updates.js';

export { nextUpdateId, STAND_IN_BOT, type UpdateDraft };

/** Omit that keeps union members apart (plain `Omit` collapses a union to its common keys). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A message as it arrives in a `message` update (not edited, not from a channel). */
type Incoming<M extends Message> = Update.MessageUpdate<M>['message'];

// Random bases keep ids from different test files / runs visibly apart.
let messageCounter = 10_000 + Math.floor(Math.random() * 1_000) * 100;
let queryCounter = 4_000_000_000 + Math.floor(Math.random() * 1_000_000);
let fileCounter = 0;

/**
 * Next id for a message sent by a user. Spaced by 100 so the stand-in's own
 * per-chat ids, which continue after the highest id it has seen in a chat,
 * rarely collide with later user messages.
 */
export function nextMessageId(): number {
  messageCounter += 100;
  return messageCounter;
}

function nextQueryId(): string {
  queryCounter += 1;
  return String(queryCounter);
}

/** Returns the update with an `update_id` (keeps an existing one). Mutates nothing. */
export function withId<D extends UpdateDraft>(draft: D): D & { update_id: number } {
  return { ...draft, update_id: draft.update_id ?? nextUpdateId() };
}

/** Common options of all update builders. */
export interface DraftOptions {
  /** Fixed `update_id`; by default the update has none. */
  updateId?: number;
}

export interface UserOptions {
  languageCode?: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  isPremium?: boolean;
}

/** A human Telegram user. `language_code` is only set when given. */
export function userFor(id: number, options: UserOptions = {}): User {
  const user: User = { id, is_bot: false, first_name: options.firstName ?? `User${id}` };
  if (options.lastName !== undefined) user.last_name = options.lastName;
  if (options.username !== undefined) user.username = options.username;
  if (options.languageCode !== undefined) user.language_code = options.languageCode;
  if (options.isPremium === true) user.is_premium = true;
  return user;
}

const unixNow = (): number => Math.floor(Date.now() / 1000);

/** The private chat between `user` and the bot. */
export function privateChatOf(user: User): Chat.PrivateChat {
  const chat: Chat.PrivateChat = { id: user.id, type: 'private', first_name: user.first_name };
  if (user.last_name !== undefined) chat.last_name = user.last_name;
  if (user.username !== undefined) chat.username = user.username;
  return chat;
}

/** A supergroup; marked as forum when `forum` is true. */
export function supergroupChat(chatId: number, forum = false): Chat.SupergroupChat {
  const chat: Chat.SupergroupChat = { id: chatId, type: 'supergroup', title: `Group ${chatId}` };
  if (forum) chat.is_forum = true;
  return chat;
}

interface ChatPlacement {
  /** Chat the message is sent in; the user's private chat by default. Negative ids are supergroups. */
  chatId?: number;
  /** Forum topic; makes the message a topic message. */
  messageThreadId?: number;
  messageId?: number;
}

function chatFor(user: User, placement: ChatPlacement): Exclude<Chat, Chat.ChannelChat> {
  const { chatId, messageThreadId } = placement;
  if (chatId === undefined || chatId === user.id) return privateChatOf(user);
  return chatId < 0 ? supergroupChat(chatId, messageThreadId !== undefined) : { id: chatId, type: 'private', first_name: `User${chatId}` };
}

/** Fields every message sent by `user` shares. */
function messageBase(user: User, placement: ChatPlacement) {
  const base = {
    message_id: placement.messageId ?? nextMessageId(),
    from: user,
    chat: chatFor(user, placement),
    date: unixNow(),
  };
  return placement.messageThreadId === undefined ? base : { ...base, message_thread_id: placement.messageThreadId, is_topic_message: true };
}

function draft<U extends Update>(body: DistributiveOmit<U, 'update_id'>, options: DraftOptions): UpdateDraft<U> {
  return options.updateId === undefined ? body : { ...body, update_id: options.updateId };
}

export type TextUpdateOptions = ChatPlacement & DraftOptions;

/** A text message; a leading `/command` (optionally `/command@bot`) gets its `bot_command` entity. */
export function textUpdate(user: User, text: string, options: TextUpdateOptions = {}): UpdateDraft<Update.MessageUpdate<Message.TextMessage>> {
  const message: Incoming<Message.TextMessage> = { ...messageBase(user, options), text };
  const command = /^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/.exec(text);
  if (command) message.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
  return draft({ message }, options);
}

/** A text message in a (super)group, optionally in a forum topic. */
export function groupTextUpdate(user: User, chatId: number, text: string, options: Omit<TextUpdateOptions, 'chatId'> = {}): UpdateDraft<Update.MessageUpdate<Message.TextMessage>> {
  return textUpdate(user, text, { ...options, chatId });
}

export interface CallbackUpdateOptions extends DraftOptions {
  /** Id of the bot message carrying the pressed button. */
  messageId: number;
  chatId?: number;
  /** Text of that bot message; only a placeholder by default. */
  messageText?: string;
  /** Callback query id; generated by default. */
  id?: string;
  /** Author of the message with the button. */
  bot?: User;
}

/** A press on an inline button with callback `data`. */
export function callbackUpdate(user: User, data: string, options: CallbackUpdateOptions): UpdateDraft<Update.CallbackQueryUpdate> {
  const chat = chatFor(user, options);
  const message: Message.TextMessage = {
    message_id: options.messageId,
    from: options.bot ?? STAND_IN_BOT,
    chat,
    date: unixNow(),
    text: options.messageText ?? '…',
  };
  return draft<Update.CallbackQueryUpdate>(
    {
      callback_query: {
        id: options.id ?? nextQueryId(),
        from: user,
        chat_instance: `ci${Math.abs(chat.id)}`,
        data,
        message,
      },
    },
    options,
  );
}

export interface ContactUpdateOptions extends DraftOptions {
  /** Whether the user shares their own contact (default) or someone else's. */
  ownContact?: boolean;
  /** `contact.user_id` for a foreign contact; `user.id + 1` by default. */
  contactUserId?: number;
  firstName?: string;
}

/** A shared contact; `contact.user_id` is the sender's id when it is their own. */
export function contactUpdate(user: User, phone: string, options: ContactUpdateOptions = {}): UpdateDraft<Update.MessageUpdate<Message.ContactMessage>> {
  const own = options.ownContact ?? true;
  const message: Incoming<Message.ContactMessage> = {
    ...messageBase(user, {}),
    contact: {
      phone_number: phone,
      first_name: options.firstName ?? (own ? user.first_name : 'Contact'),
      user_id: own ? user.id : (options.contactUserId ?? user.id + 1),
    },
  };
  if (own && user.last_name !== undefined) message.contact.last_name = user.last_name;
  return draft({ message }, options);
}

/** Three sizes of one photo, as Telegram sends them (smallest first). */
export function photoSizes(fileId?: string): PhotoSize[] {
  fileCounter += 1;
  const base = fileId ?? `AgACAgIAAxkBAAIStandIn${fileCounter}`;
  const unique = `AQADStandIn${fileCounter}`;
  return [
    { file_id: `${base}-s`, file_unique_id: `${unique}-s`, width: 90, height: 68, file_size: 1_484 },
    { file_id: `${base}-m`, file_unique_id: `${unique}-m`, width: 320, height: 240, file_size: 18_218 },
    { file_id: base, file_unique_id: unique, width: 1280, height: 960, file_size: 142_904 },
  ];
}

export interface PhotoUpdateOptions extends ChatPlacement, DraftOptions {
  caption?: string;
  /** file_id of the largest size. */
  fileId?: string;
}

/** A photo message. */
export function photoUpdate(user: User, options: PhotoUpdateOptions = {}): UpdateDraft<Update.MessageUpdate<Message.PhotoMessage>> {
  const message: Incoming<Message.PhotoMessage> = {
    ...messageBase(user, options),
    photo: photoSizes(options.fileId),
  };
  if (options.caption !== undefined) message.caption = options.caption;
  return draft({ message }, options);
}

/** A photo message in a (super)group, optionally in a forum topic. */
export function groupPhotoUpdate(user: User, chatId: number, options: Omit<PhotoUpdateOptions, 'chatId'> = {}): UpdateDraft<Update.MessageUpdate<Message.PhotoMessage>> {
  return photoUpdate(user, { ...options, chatId });
}

export interface DocumentUpdateOptions extends ChatPlacement, DraftOptions {
  caption?: string;
}

/**
 * A file sent as a document. `document` is what BotApiStandIn.putFile returned for the file's bytes
 * (so getFile and the download serve them), or any Document.
 */
export function documentUpdate(user: User, document: Document, options: DocumentUpdateOptions = {}): UpdateDraft<Update.MessageUpdate<Message.DocumentMessage>> {
  const message: Incoming<Message.DocumentMessage> = { ...messageBase(user, options), document };
  if (options.caption !== undefined) message.caption = options.caption;
  return draft({ message }, options);
}

/** A regular (static) sticker message. */
export function stickerUpdate(user: User, options: ChatPlacement & DraftOptions & { emoji?: string } = {}): UpdateDraft<Update.MessageUpdate<Message.StickerMessage>> {
  fileCounter += 1;
  const message: Incoming<Message.StickerMessage> = {
    ...messageBase(user, options),
    sticker: {
      file_id: `CAACAgIAAxkBAAIStandIn${fileCounter}`,
      file_unique_id: `AgADStandIn${fileCounter}`,
      type: 'regular',
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: options.emoji ?? '👍',
      set_name: 'StandInStickers',
    },
  };
  return draft({ message }, options);
}

export interface LocationUpdateOptions extends ChatPlacement, DraftOptions {
  latitude?: number;
  longitude?: number;
}

/** A shared (static) location. */
export function locationUpdate(user: User, options: LocationUpdateOptions = {}): UpdateDraft<Update.MessageUpdate<Message.LocationMessage>> {
  const message: Incoming<Message.LocationMessage> = {
    ...messageBase(user, options),
    location: { latitude: options.latitude ?? 52.520008, longitude: options.longitude ?? 13.404954 },
  };
  return draft({ message }, options);
}

export interface PaymentAmount {
  /** Bot-defined invoice payload. */
  payload: string;
  currency: string;
  /** In the smallest currency units. */
  totalAmount: number;
}

/** The pre-checkout query Telegram sends before charging. */
export function preCheckoutUpdate(user: User, options: PaymentAmount & DraftOptions & { id?: string }): UpdateDraft<Update.PreCheckoutQueryUpdate> {
  return draft<Update.PreCheckoutQueryUpdate>(
    {
      pre_checkout_query: {
        id: options.id ?? nextQueryId(),
        from: user,
        currency: options.currency,
        total_amount: options.totalAmount,
        invoice_payload: options.payload,
      },
    },
    options,
  );
}

export interface SuccessfulPaymentOptions extends PaymentAmount, DraftOptions {
  telegramChargeId: string;
  providerChargeId: string;
}

/** The service message confirming a payment, in the payer's private chat. */
export function successfulPaymentUpdate(user: User, options: SuccessfulPaymentOptions): UpdateDraft<Update.MessageUpdate<Message.SuccessfulPaymentMessage>> {
  const message: Incoming<Message.SuccessfulPaymentMessage> = {
    ...messageBase(user, {}),
    successful_payment: {
      currency: options.currency,
      total_amount: options.totalAmount,
      invoice_payload: options.payload,
      telegram_payment_charge_id: options.telegramChargeId,
      provider_payment_charge_id: options.providerChargeId,
    },
  };
  return draft({ message }, options);
}

/** The user blocked (`kicked`) or unblocked/started (`member`) the bot in their private chat. */
export function myChatMemberUpdate(user: User, status: 'kicked' | 'member', options: DraftOptions & { bot?: User } = {}): UpdateDraft<Update.MyChatMemberUpdate> {
  const bot = options.bot ?? STAND_IN_BOT;
  const kicked = { status: 'kicked', user: bot, until_date: 0 } as const;
  const member = { status: 'member', user: bot } as const;
  return draft<Update.MyChatMemberUpdate>(
    {
      my_chat_member: {
        chat: privateChatOf(user),
        from: user,
        date: unixNow(),
        old_chat_member: status === 'kicked' ? member : kicked,
        new_chat_member: status === 'kicked' ? kicked : member,
      },
    },
    options,
  );
}

/** `user` asks to join the (forum) supergroup `chatId` through an invite link that needs approval. */
export function chatJoinRequestUpdate(user: User, chatId: number, options: DraftOptions = {}): UpdateDraft<Update.ChatJoinRequestUpdate> {
  return draft<Update.ChatJoinRequestUpdate>({ chat_join_request: { chat: supergroupChat(chatId, true), from: user, user_chat_id: user.id, date: unixNow() } }, options);
}

// ---------------------------------------------------------------------------------------------
// Store checkout (issue 6): Telegram's shipping form. A flexible invoice first sends a
// shipping_query with the address typed in the form; pre_checkout_query and successful_payment
// then carry the chosen shipping option and the order info.
// ---------------------------------------------------------------------------------------------

/** What the customer typed into the payment form. */
export interface OrderInfoDraft {
  name?: string;
  phone_number?: string;
  shipping_address?: {
    country_code: string;
    state: string;
    city: string;
    street_line1: string;
    street_line2: string;
    post_code: string;
  };
}

/** A Shanghai address as typed in the payment form. */
export const SAMPLE_ORDER_INFO: Readonly<Required<OrderInfoDraft>> = Object.freeze({
  name: 'Zhang Wei',
  phone_number: '+8613800138000',
  shipping_address: { country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '88 Century Avenue', street_line2: 'Apt 1201', post_code: '200120' },
});

/** The shipping query Telegram sends for a flexible invoice once the address is entered. */
export function shippingQueryUpdate(
  user: User,
  options: DraftOptions & { payload: string; address?: OrderInfoDraft['shipping_address']; id?: string },
): UpdateDraft<Update.ShippingQueryUpdate> {
  return draft<Update.ShippingQueryUpdate>(
    {
      shipping_query: {
        id: options.id ?? nextQueryId(),
        from: user,
        invoice_payload: options.payload,
        shipping_address: options.address ?? SAMPLE_ORDER_INFO.shipping_address,
      },
    },
    options,
  );
}

/** A pre-checkout query with the shipping option and order info of a flexible invoice. */
export function preCheckoutWithShippingUpdate(
  user: User,
  options: PaymentAmount & DraftOptions & { shippingOptionId?: string; orderInfo?: OrderInfoDraft; id?: string },
): UpdateDraft<Update.PreCheckoutQueryUpdate> {
  const update = preCheckoutUpdate(user, options);
  if (options.shippingOptionId !== undefined) update.pre_checkout_query.shipping_option_id = options.shippingOptionId;
  if (options.orderInfo !== undefined) update.pre_checkout_query.order_info = options.orderInfo;
  return update;
}

/** The successful payment of a flexible invoice, with its shipping option and order info. */
export function successfulPaymentWithShippingUpdate(
  user: User,
  options: SuccessfulPaymentOptions & { shippingOptionId?: string; orderInfo?: OrderInfoDraft },
): UpdateDraft<Update.MessageUpdate<Message.SuccessfulPaymentMessage>> {
  const update = successfulPaymentUpdate(user, options);
  const payment = update.message.successful_payment;
  if (options.shippingOptionId !== undefined) payment.shipping_option_id = options.shippingOptionId;
  if (options.orderInfo !== undefined) payment.order_info = options.orderInfo;
  return update;
}
