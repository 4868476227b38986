/**
 * What people do on the sandbox page, turned into the updates Telegram would send the bot: a
 * message, a button press, a shared contact, a shipping address, a payment, blocking the bot.
 * Each action checks what the page may not forge (a button that is not on the message, an
 * invoice that is not there) and answers with a SandboxError the server turns into a 400.
 */
import { randomUUID } from 'node:crypto';
import type { Chat, User } from 'telegraf/types';
import type { BotApiStandIn, RecordedCall } from './emulator/bot-api-emulator.js';
import { isRecord } from './emulator/messages.js';
import type { UpdateDraft } from './emulator/updates.js';
import type { Persona, ViewMessage, World } from './world.js';

export class SandboxError extends Error {
  override name = 'SandboxError';
  constructor(
    readonly code: string,
    readonly status = 400,
  ) {
    super(code);
  }
}

/** Telegram's limit on a message's text. */
export const MAX_TEXT = 4096;

export interface ShippingAddress {
  country_code: string;
  state: string;
  city: string;
  street_line1: string;
  street_line2: string;
  post_code: string;
}

export interface PayRequest {
  messageId: number;
  shippingOptionId?: string;
  name?: string;
  phone?: string;
  address?: ShippingAddress;
}

const now = () => Math.floor(Date.now() / 1000);

export class Actions {
  /** The shipping options the bot last offered, per invoice message ("persona:message"). */
  private readonly offered = new Map<string, unknown[]>();

  constructor(
    private readonly emulator: BotApiStandIn,
    private readonly world: World,
    /** Hands an update to the bot: queued for getUpdates, or POSTed to its webhook. */
    private readonly toBot: (update: UpdateDraft) => void,
    /** Told which person pressed which callback query, so its answer reaches them. */
    private readonly pressed: (queryId: string, personaId: number) => void = () => undefined,
  ) {}

  /** Forgets the shipping options offered so far (the invoices are gone after a reset). */
  forget(): void {
    this.offered.clear();
  }

  user(persona: Persona): User {
    const [first = persona.name, ...rest] = persona.name.split(' ');
    const user: User = { id: persona.id, is_bot: false, first_name: first, language_code: persona.language === 'zh-CN' ? 'zh-hans' : 'en' };
    if (rest.length > 0) user.last_name = rest.join(' ');
    return user;
  }

  private chatOf(persona: Persona, threadId?: number): Chat {
    if (threadId !== undefined) return { id: this.world.groupId, type: 'supergroup', title: this.world.groupTitle, is_forum: true };
    return { id: persona.id, type: 'private', first_name: this.user(persona).first_name };
  }

  /** A text message in the chat with the bot, or (staff, with a topic) in the support forum. */
  sendText(persona: Persona, rawText: string, threadId?: number): ViewMessage {
    const text = rawText.trim();
    if (text === '') throw new SandboxError('empty_message');
    if (text.length > MAX_TEXT) throw new SandboxError('message_too_long');
    if (threadId !== undefined) {
      if (persona.role === 'customer') throw new SandboxError('not_a_member', 403);
      if (!this.world.topics.has(threadId)) throw new SandboxError('topic_not_found', 404);
      if (this.world.topics.get(threadId)?.closed && persona.role !== 'admin' && persona.role !== 'agent') throw new SandboxError('topic_closed', 403);
    }
    const entities = /^\/\w+/.exec(text) ? [{ type: 'bot_command' as const, offset: 0, length: (/^\/\w+(@\w+)?/.exec(text)?.[0] ?? '').length }] : undefined;
    return this.deliver(persona, { text, ...(entities ? { entities } : {}) }, threadId);
  }

  /** The reply keyboard's request_contact button: the person shares their own phone number. */
  shareContact(persona: Persona): ViewMessage {
    const user = this.user(persona);
    return this.deliver(persona, { contact: { phone_number: persona.phone, first_name: user.first_name, user_id: persona.id } });
  }

  private deliver(persona: Persona, content: Record<string, unknown>, threadId?: number): ViewMessage {
    this.refuseWhenBlocked(persona);
    const chat = this.chatOf(persona, threadId);
    const id = this.emulator.nextMessageId(chat.id);
    const message: Record<string, unknown> = { message_id: id, date: now(), chat, from: this.user(persona), ...content };
    if (threadId !== undefined) Object.assign(message, { message_thread_id: threadId, is_topic_message: true });
    const view: ViewMessage = {
      id,
      chatId: chat.id,
      threadId,
      from: { id: persona.id, name: persona.name, bot: false },
      date: now(),
      text: typeof content.text === 'string' ? content.text : undefined,
      contact: isRecord(content.contact) ? { phone: persona.phone, name: persona.name } : undefined,
      edited: false,
    };
    this.world.addUserMessage(view);
    this.toBot({ message } as unknown as UpdateDraft);
    return view;
  }

  /** Presses an inline button; only the callback data actually on that message is accepted. */
  press(persona: Persona, chatId: number, messageId: number, data: string): void {
    this.refuseWhenBlocked(persona);
    const message = this.world.message(chatId, messageId);
    if (!message || !this.canSee(persona, chatId)) throw new SandboxError('message_not_found', 404);
    const buttons = (message.inlineKeyboard ?? []).flat().filter(isRecord);
    if (!buttons.some((button) => button.callback_data === data)) throw new SandboxError('no_such_button');
    const stored = this.emulator.message(chatId, messageId);
    if (!stored) throw new SandboxError('message_not_found', 404);
    const id = randomUUID();
    this.pressed(id, persona.id);
    this.toBot({
      callback_query: { id, from: this.user(persona), message: stored, chat_instance: String(chatId), data },
    } as unknown as UpdateDraft);
  }

  /** The page's "block the bot" switch: Telegram refuses the bot's sends and tells it once. */
  setBlocked(persona: Persona, blocked: boolean): void {
    if (persona.role !== 'customer') throw new SandboxError('not_a_customer');
    if (persona.blocked === blocked) return;
    persona.blocked = blocked;
    if (blocked) this.emulator.blockChat(persona.id);
    else this.emulator.unblockChat(persona.id);
    const bot = { id: 0, is_bot: true, first_name: '' };
    const member = (status: string) => ({ user: bot, status, ...(status === 'kicked' ? { until_date: 0 } : {}) });
    this.toBot({
      my_chat_member: {
        chat: this.chatOf(persona),
        from: this.user(persona),
        date: now(),
        old_chat_member: member(blocked ? 'member' : 'kicked'),
        new_chat_member: member(blocked ? 'kicked' : 'member'),
      },
    } as unknown as UpdateDraft);
    this.world.emit({ type: 'personas' });
  }

  /** The payment sheet's shipping step: a shipping_query, answered by the bot's options or refusal. */
  async shipping(persona: Persona, messageId: number, address: ShippingAddress): Promise<{ ok: boolean; options?: unknown; error?: string }> {
    const invoice = this.invoice(persona, messageId);
    if (!invoice.flexible) throw new SandboxError('not_flexible');
    const id = randomUUID();
    const answered = this.answerTo('answerShippingQuery', 'shipping_query_id', id);
    this.toBot({ shipping_query: { id, from: this.user(persona), invoice_payload: invoice.payload, shipping_address: address } });
    const call = await answered;
    if (call.params.ok === true || call.params.ok === 'true') {
      const options = Array.isArray(call.params.shipping_options) ? (call.params.shipping_options as unknown[]) : [];
      this.offered.set(`${persona.id}:${messageId}`, options);
      return { ok: true, options };
    }
    return { ok: false, error: typeof call.params.error_message === 'string' ? call.params.error_message : '' };
  }

  /**
   * The sheet's Pay button: pre_checkout_query first; when the bot says yes, the successful_payment
   * message follows, as Telegram sends them. A refusal comes back with the bot's words.
   */
  async pay(persona: Persona, request: PayRequest): Promise<{ ok: boolean; error?: string }> {
    const invoice = this.invoice(persona, request.messageId);
    if (invoice.paid) throw new SandboxError('already_paid');
    let total = invoice.total;
    const orderInfo: Record<string, unknown> = {};
    if (request.name) orderInfo.name = request.name;
    if (request.phone) orderInfo.phone_number = request.phone;
    if (request.address) orderInfo.shipping_address = request.address;
    if (invoice.flexible) {
      if (!request.address || !request.shippingOptionId) throw new SandboxError('shipping_required');
      const offered = (this.offered.get(`${persona.id}:${request.messageId}`) ?? []) as Array<{ id?: unknown; prices?: Array<{ amount?: unknown }> }>;
      const chosen = offered.find((o) => o.id === request.shippingOptionId);
      if (!chosen) throw new SandboxError('shipping_option_unknown');
      total += (chosen.prices ?? []).reduce((sum, p) => sum + Number(p.amount ?? 0), 0);
    }
    const common = {
      from: this.user(persona),
      currency: invoice.currency,
      total_amount: total,
      invoice_payload: invoice.payload,
      ...(request.shippingOptionId ? { shipping_option_id: request.shippingOptionId } : {}),
      ...(Object.keys(orderInfo).length > 0 ? { order_info: orderInfo } : {}),
    };
    const id = randomUUID();
    const answered = this.answerTo('answerPreCheckoutQuery', 'pre_checkout_query_id', id);
    this.toBot({ pre_checkout_query: { id, ...common } });
    const call = await answered;
    if (call.params.ok !== true && call.params.ok !== 'true') return { ok: false, error: typeof call.params.error_message === 'string' ? call.params.error_message : '' };
    const { from, ...payment } = common;
    const chat = this.chatOf(persona);
    const charge = `sandbox_${id.slice(0, 8)}`;
    this.world.markPaid(persona.id, request.messageId);
    this.world.addService(persona.id, 'paid', { amount: total, currency: invoice.currency, title: invoice.title });
    this.toBot({
      message: {
        message_id: this.emulator.nextMessageId(persona.id),
        date: now(),
        chat,
        from,
        successful_payment: { ...payment, telegram_payment_charge_id: `tg_${charge}`, provider_payment_charge_id: charge },
      },
    } as unknown as UpdateDraft);
    return { ok: true };
  }

  private invoice(persona: Persona, messageId: number) {
    this.refuseWhenBlocked(persona);
    const invoice = this.world.message(persona.id, messageId)?.invoice;
    if (!invoice) throw new SandboxError('invoice_not_found', 404);
    return invoice;
  }

  /** Resolves with the bot's answer to the query, or fails after 10 s as Telegram's sheet does. */
  private answerTo(method: string, field: string, id: string): Promise<RecordedCall> {
    return this.emulator
      .waitFor((call) => call.method === method && call.params[field] === id, { timeoutMs: 10_000, since: this.emulator.calls.length })
      .catch(() => {
        throw new SandboxError('bot_did_not_answer', 504);
      });
  }

  private canSee(persona: Persona, chatId: number): boolean {
    return chatId === persona.id || (chatId === this.world.groupId && persona.role !== 'customer');
  }

  private refuseWhenBlocked(persona: Persona): void {
    if (persona.blocked) throw new SandboxError('bot_blocked', 409);
  }
}
