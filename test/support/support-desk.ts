/**
 * Test helpers for the support handoff e2e files: a harness with a forum supergroup as
 * SUPPORT_CHAT_ID and two agents, and readers of what went into a topic or to a customer.
 */
import type { User } from 'telegraf/types';
import { createI18n } from '../../src/i18n.js';
import type { RecordedCall } from './bot-api-stand-in.js';
import { TestChat } from './chat.js';
import { startHarness, type Harness } from './harness.js';
import { callbackUpdate, groupTextUpdate, userFor, withId } from './updates.js';

export type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
export const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));
/** Agents read the group in DEFAULT_LOCALE (zh-CN). */
export const gt = (key: string, vars: Record<string, unknown> = {}): string => t('zh-CN', `support.group.${key}`, vars);
export const mentionOf = (id: number, name: string): string => `<a href="tg://user?id=${id}">${name}</a>`;

export class SupportDesk {
  readonly agent: User;
  readonly agent2: User;
  readonly member: User;
  private nextCustomer: number;

  private constructor(
    readonly h: Harness,
    readonly group: number,
    base: number,
  ) {
    this.agent = userFor(base + 1, { firstName: 'Lena', languageCode: 'en' });
    this.agent2 = userFor(base + 2, { firstName: 'Bo', languageCode: 'zh-hans' });
    this.member = userFor(base + 3, { firstName: 'Intern' });
    this.nextCustomer = base + 100_000;
  }

  /** The app with SUPPORT_CHAT_ID = `group`, agents always on duty, and two agents (ids base+1, base+2). */
  static async start(group: number, base: number, opts: { mode?: 'polling' | 'webhook' } = {}): Promise<SupportDesk> {
    const h = await startHarness({ mode: opts.mode, env: { SUPPORT_CHAT_ID: String(group), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '60' } });
    const desk = new SupportDesk(h, group, base);
    await h.app.deps.services.staff.add(desk.agent.id, 'agent', 'test');
    await h.app.deps.services.staff.add(desk.agent2.id, 'agent', 'test');
    return desk;
  }

  customerId(): number {
    return ++this.nextCustomer;
  }

  /** Successful calls into topic `thread` since call index `since`. */
  inTopic(thread: number, since = 0): RecordedCall[] {
    return this.h.api.calls.slice(since).filter((c) => c.response.ok && String(c.params.chat_id) === String(this.group) && Number(c.params.message_thread_id) === thread);
  }

  topicTexts(thread: number, since = 0): string[] {
    return this.inTopic(thread, since)
      .filter((c) => c.method === 'sendMessage')
      .map((c) => String(c.params.text));
  }

  copiesTo(chatId: number, since = 0): RecordedCall[] {
    return this.h.api.calls.slice(since).filter((c) => c.response.ok && c.method === 'copyMessage' && String(c.params.chat_id) === String(chatId));
  }

  lastThread(): number {
    return (this.h.api.callsTo('createForumTopic').at(-1)!.response as { result: { message_thread_id: number } }).result.message_thread_id;
  }

  async conversationOf(telegramId: number) {
    const [row] = await this.h.db.sql<Array<{ id: number; status: string; assignee: string | null; rating: number | null; thread_id: number; replied: boolean }>>`
      select c.id, c.status, c.assignee_telegram_id as assignee, c.rating, c.thread_id, c.first_agent_reply_at is not null as replied
      from support_conversations c join customers u on u.id = c.customer_id where u.telegram_id = ${telegramId} order by c.id desc limit 1`;
    return row;
  }

  async transcriptOf(telegramId: number) {
    return this.h.db.sql<Array<{ direction: string; content_type: string; text: string | null; file_id: string | null; sender: string }>>`
      select m.direction, m.content_type, m.text, m.file_id, m.sender_telegram_id as sender
      from support_messages m join customers u on u.id = m.customer_id where u.telegram_id = ${telegramId} order by m.id`;
  }

  /** `user` writes in a topic; resolves once handled. */
  async say(user: User, thread: number, text: string): Promise<{ messageId: number; since: number }> {
    const update = withId(groupTextUpdate(user, this.group, text, { messageThreadId: thread }));
    const since = this.h.api.calls.length;
    await this.h.deliver(update);
    return { messageId: update.message.message_id, since };
  }

  /** The profile card of a conversation: its message id and topic (from the database). */
  async cardOf(conversationId: number): Promise<{ messageId: number; thread: number }> {
    const [row] = await this.h.db.sql<Array<{ card: number; thread: number }>>`
      select card_message_id as card, thread_id as thread from support_conversations where id = ${conversationId}`;
    return { messageId: row!.card, thread: row!.thread };
  }

  /** What the card shows now: its last successful send or edit (text and button labels). */
  async cardNow(conversationId: number): Promise<{ text: string; buttons: string[] }> {
    const { messageId } = await this.cardOf(conversationId);
    const call = this.h.api.calls.findLast(
      (c) =>
        c.response.ok &&
        String(c.params.chat_id) === String(this.group) &&
        ((c.method === 'editMessageText' && Number(c.params.message_id) === messageId) ||
          (c.method === 'sendMessage' && (c.response as { result?: { message_id?: number } }).result?.message_id === messageId)),
    )!;
    const markup = call.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string }>> } | string | undefined;
    const parsed = typeof markup === 'string' ? (JSON.parse(markup) as { inline_keyboard?: Array<Array<{ text: string }>> }) : markup;
    return { text: String(call.params.text), buttons: (parsed?.inline_keyboard ?? []).flat().map((b) => b.text) };
  }

  /**
   * A press on a button of a profile card in the group. By default the button is on the card of
   * the conversation its data names (`spk:12`), in that card's topic, as Telegram would send it;
   * `on` presses it on another message or topic (a forged or misplaced button).
   */
  async press(user: User, data: string, on?: { messageId: number; thread?: number }): Promise<RecordedCall[]> {
    const since = this.h.api.calls.length;
    await this.h.deliver(await this.pressUpdate(user, data, on));
    return this.h.api.calls.slice(since);
  }

  async pressUpdate(user: User, data: string, on?: { messageId: number; thread?: number }) {
    const id = /^sp[kx]:(\d+)$/.exec(data)?.[1];
    const card = on ?? (id ? await this.cardOf(Number(id)).catch(() => ({ messageId: 1, thread: undefined })) : { messageId: 1, thread: undefined });
    const update = withId(callbackUpdate(user, data, { messageId: card.messageId ?? 1, chatId: this.group }));
    const message = update.callback_query.message as { message_thread_id?: number; is_topic_message?: boolean };
    if (card.thread) Object.assign(message, { message_thread_id: card.thread, is_topic_message: true });
    return update;
  }

  /** A new customer who taps "Talk to a person" on the main menu: their chat and topic. */
  async handoff(lng: Lng = 'en'): Promise<{ c: TestChat; thread: number }> {
    const c = new TestChat(this.h, this.customerId(), { languageCode: lng === 'en' ? 'en' : 'zh-hans', firstName: 'Wei' });
    await c.text('/start');
    await c.tap(t(lng, 'support.talk'));
    return { c, thread: this.lastThread() };
  }
}
