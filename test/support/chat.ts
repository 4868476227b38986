import type { Message, User } from 'telegraf/types';
import type { RecordedCall } from './bot-api-stand-in.js';
import type { Harness } from './harness.js';
import { callbackUpdate, contactUpdate, documentUpdate, photoUpdate, preCheckoutUpdate, stickerUpdate, successfulPaymentUpdate, textUpdate, userFor } from './updates.js';

export interface Button {
  text: string;
  data?: string;
  url?: string;
}

/** What the customer sees of one bot message. */
export interface SeenMessage {
  messageId: number;
  method: string;
  text: string;
  photo: boolean;
  buttons: Button[][];
  /** The message as the Bot API returned it (used to build realistic button presses). */
  raw: Message;
}

const SENDS = new Set(['sendMessage', 'sendPhoto', 'sendInvoice', 'copyMessage', 'sendDocument']);
const EDITS = new Set(['editMessageText', 'editMessageCaption', 'editMessageMedia', 'editMessageReplyMarkup']);

/**
 * A customer's private chat, driven like a person would: send text, tap buttons by their label,
 * share a contact, pay. Reads what the bot showed from the stand-in's record of calls.
 */
export class TestChat {
  readonly user: User;
  private seenUpTo = 0;

  constructor(
    readonly h: Harness,
    id: number,
    opts: { languageCode?: string; firstName?: string } = {},
  ) {
    this.user = userFor(id, { languageCode: opts.languageCode, firstName: opts.firstName ?? 'Wei' });
  }

  get id(): number {
    return this.user.id;
  }

  /** Calls to this chat since the last action (what the customer just received). */
  private async act(update: Parameters<Harness['deliver']>[0]): Promise<RecordedCall[]> {
    const from = this.h.api.calls.length;
    await this.h.deliver(update);
    const calls = this.h.api.calls.slice(from).filter((c) => this.concerns(c));
    this.seenUpTo = this.h.api.calls.length;
    return calls;
  }

  private concerns(c: RecordedCall): boolean {
    const chat = c.params.chat_id;
    if (chat !== undefined) return String(chat) === String(this.id);
    return c.method === 'answerCallbackQuery' || c.method === 'answerPreCheckoutQuery';
  }

  text(text: string) {
    return this.act(textUpdate(this.user, text));
  }

  sticker() {
    return this.act(stickerUpdate(this.user));
  }

  photo() {
    return this.act(photoUpdate(this.user));
  }

  /** Sends a file as a document: the stand-in keeps its bytes for getFile and the download. */
  document(content: Buffer | string, fileName: string, mimeType?: string) {
    return this.act(documentUpdate(this.user, this.h.api.putFile(content, fileName, mimeType)));
  }

  contact(phone: string, opts: { own?: boolean } = {}) {
    return this.act(contactUpdate(this.user, phone, opts.own === false ? { ownContact: false, contactUserId: this.id + 1 } : {}));
  }

  /** Presses the button whose label matches, on the newest message that has one. */
  async tap(label: string | RegExp, opts: { on?: SeenMessage } = {}): Promise<RecordedCall[]> {
    const messages = opts.on ? [opts.on] : this.messages().reverse();
    for (const m of messages) {
      const button = m.buttons.flat().find((b) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text)));
      if (button?.data) return this.press(button.data, m);
    }
    throw new Error(
      `no button ${String(label)}; buttons: ${JSON.stringify(
        this.screen()
          ?.buttons.flat()
          .map((b) => b.text),
      )}`,
    );
  }

  /** Sends callback data as if pressed on `on` (default: the newest message with buttons). */
  press(data: string, on?: SeenMessage): Promise<RecordedCall[]> {
    const m = on ?? this.screen();
    if (!m) throw new Error('no message with buttons to press on');
    const update = callbackUpdate(this.user, data, { messageId: m.messageId });
    update.callback_query.message = m.raw;
    return this.act(update);
  }

  /** Pays an invoice the bot sent: pre-checkout first, then (if approved) the payment. */
  async pay(opts: { chargeId?: string; amount?: number; invoice?: RecordedCall } = {}) {
    const invoice =
      opts.invoice ??
      this.h.api
        .callsTo('sendInvoice')
        .filter((c) => String(c.params.chat_id) === String(this.id))
        .at(-1);
    if (!invoice) throw new Error('no invoice sent to this chat');
    const payload = invoice.params.payload as string;
    const currency = invoice.params.currency as string;
    const prices = (typeof invoice.params.prices === 'string' ? JSON.parse(invoice.params.prices) : invoice.params.prices) as Array<{ amount: number }>;
    const totalAmount = opts.amount ?? prices.reduce((s, p) => s + p.amount, 0);
    const pre = await this.act(preCheckoutUpdate(this.user, { payload, currency, totalAmount }));
    const answer = pre.find((c) => c.method === 'answerPreCheckoutQuery');
    if (!answer?.params.ok) return { approved: false as const, answer, calls: pre };
    const chargeId = opts.chargeId ?? `tg_charge_${this.id}_${Date.now()}`;
    const update = successfulPaymentUpdate(this.user, { payload, currency, totalAmount, telegramChargeId: chargeId, providerChargeId: `prov_${chargeId}` });
    const calls = await this.act(update);
    return { approved: true as const, answer, calls, update, chargeId };
  }

  /** Every bot message in this chat, in its latest state (edits applied, deletions removed). */
  messages(): SeenMessage[] {
    const byId = new Map<number, SeenMessage>();
    for (const c of this.h.api.calls) {
      if (String(c.params.chat_id) !== String(this.id) || !c.response.ok) continue;
      if (c.method === 'deleteMessage') {
        byId.delete(Number(c.params.message_id));
        continue;
      }
      if (!SENDS.has(c.method) && !EDITS.has(c.method)) continue;
      const raw = c.response.result as Message;
      if (!raw || typeof raw !== 'object') continue;
      const r = raw as Message & { text?: string; caption?: string; photo?: unknown; reply_markup?: { inline_keyboard?: Button[][] } };
      const markup = r.reply_markup?.inline_keyboard ?? [];
      byId.delete(r.message_id);
      byId.set(r.message_id, {
        messageId: r.message_id,
        method: c.method,
        text: r.text ?? r.caption ?? (c.method === 'sendInvoice' ? String(c.params.title) : ''),
        photo: !!r.photo,
        buttons: markup.map((row) => row.map((b) => ({ text: b.text, data: (b as { callback_data?: string }).callback_data, url: b.url }))),
        raw,
      });
    }
    return [...byId.values()];
  }

  /** The newest message with inline buttons: the customer's current screen. */
  screen(): SeenMessage | undefined {
    return this.messages()
      .filter((m) => m.buttons.length > 0)
      .at(-1);
  }

  /** Text of the newest bot message. */
  lastText(): string {
    return this.messages().at(-1)?.text ?? '';
  }

  buttonLabels(): string[] {
    return (
      this.screen()
        ?.buttons.flat()
        .map((b) => b.text) ?? []
    );
  }

  /** Texts of answerCallbackQuery toasts since the start. */
  toasts(): string[] {
    return this.h.api
      .callsTo('answerCallbackQuery')
      .map((c) => c.params.text as string | undefined)
      .filter((t): t is string => !!t);
  }
}

/**
 * A file's `newChat`: each call a customer's chat with a Telegram user id not used before in the
 * file, counting up from `lastId`. `harness` is read at each call (files start theirs in beforeAll).
 */
export function chatFactory(harness: () => Harness, lastId: number): (languageCode?: string, firstName?: string) => TestChat {
  let id = lastId;
  return (languageCode = 'en', firstName) => new TestChat(harness(), ++id, { languageCode, firstName });
}

/** As chatFactory, but each chat has sent /start already (the customer exists, the menu is shown). */
export function startedChatFactory(harness: () => Harness, lastId: number): (languageCode?: string) => Promise<TestChat> {
  const newChat = chatFactory(harness, lastId);
  return async (languageCode = 'en') => {
    const c = newChat(languageCode);
    await c.text('/start');
    return c;
  };
}

/** Message text without its HTML tags (the stand-in keeps them as sent). */
export const plain = (text: string): string => text.replace(/<[^>]+>/g, '');

/** The newest bot message's text, without its HTML tags. */
export const lastPlain = (c: TestChat): string => plain(c.lastText());

/** Texts of the answerCallbackQuery toasts among `calls` ('' for an answer without one). */
export const toastsIn = (calls: RecordedCall[]): string[] => calls.filter((x) => x.method === 'answerCallbackQuery').map((x) => (x.params.text as string | undefined) ?? '');

/** Callback data of the inline buttons a recorded call sent ('' for a button without any). */
export const callbackDataIn = (call: { params: Record<string, unknown> }): string[] => {
  const raw = call.params.reply_markup;
  const markup = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? '');
};

/** Texts of the messages the bot sent or edited among `calls` (what the customer saw change). */
export const textsIn = (calls: RecordedCall[]): string[] =>
  calls
    .filter((x) => /^(send|edit)/.test(x.method) && x.response.ok)
    .map((x) => String(x.params.text ?? x.params.caption ?? (x.params.media as { caption?: string } | undefined)?.caption ?? ''));

/** A chat's saved conversation state (its step, the step's data, the menu message's id). */
export async function conversationState(h: Harness, chatId: number): Promise<{ step: string; data: Record<string, any>; menu_message_id: number | null }> {
  const [row] = await h.db.sql<Array<{ step: string; data: Record<string, any>; menu_message_id: number | null }>>`
    select step, data, menu_message_id from conversation_states where chat_id = ${chatId}`;
  if (!row) throw new Error(`no conversation state for ${chatId}`);
  return row;
}
