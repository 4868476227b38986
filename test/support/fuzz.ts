/**
 * Hostile input for the real bot: a seeded generator of junk updates from random customers (junk
 * text, media of every kind, forged and stale callback data, junk pre-checkout and shipping
 * queries, stray successful payments, odd deep links, and update kinds the bot does not serve),
 * and the tally of what a user would notice. Used by `npm run fuzz` (bench/fuzz.ts, the app in a
 * process of its own) and test/e2e/fuzz.test.ts (in process, through the harness).
 */
import type { Update, User } from 'telegraf/types';
import { createI18n } from '../../src/i18n.js';
import type { BotApiStandIn, RecordedCall } from './bot-api-stand-in.js';
import { nextMessageId, nextUpdateId, photoSizes, STAND_IN_BOT, userFor } from './updates.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same updates. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The figures of a fuzz run: all zero but `updates` and `rss_mb`. */
export interface FuzzFigures {
  updates: number;
  failed_updates: number;
  callbacks_unanswered: number;
  precheckouts_unanswered: number;
  junk_approved: number;
  junk_payments_recorded: number;
  silent_customers: number;
  rss_mb: number;
}

/** Strings a hostile customer might type, in pieces. */
const NASTY = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  '\u202Egnp.exe',
  '\u2066iso\u2069',
  'zero\u200Bwidth\u200D',
  '\uFEFF',
  '<b>bold</b>',
  '<script>alert(1)</script>',
  '&amp; &lt; & < >',
  '"quotes\' `back`',
  '😀👨‍👩‍👧🇨🇳',
  '人工',
  '转人工',
  '客服',
  'human',
  '你好',
  '/start',
  '/support',
  '/cancel',
  '/store',
  '/cart',
  '/settings',
  '/help',
  '/ops',
  '/staff list',
  '/campaign',
  '/note hi',
  '/start c1_2',
  '/start c999999999_99',
  '/start model-y',
  '/start ../../etc/passwd',
  '/start \u0000',
  '/start ' + 'x'.repeat(300),
  '/start@tesla_jd_bot',
  '/start@other_bot junk',
  '13800138000',
  '+86 138 0013 8000',
  'LRWYGCEK1PC123456',
  'JD JDV123456789',
  '\r\n\t',
  ' ',
  '\u0001\u0002\u001f\u007f',
  '%s%n%x',
  "'; drop table customers; --",
  '${process.exit()}',
  '{{t}}',
  'null',
  'undefined',
];

const LANGS = ['en', 'zh-hans', 'zh-hant', 'zh', 'ru', 'ar', 'fa', '', 'xx-junk', 'EN'];

/** What each update should have led to (checked against the stand-in's record of calls). */
interface Expectations {
  callbacks: Set<string>;
  precheckouts: Set<string>;
  /** Customers who sent something in their private chat that asks for an answer. */
  spoke: Set<number>;
}

export interface FuzzerOptions {
  seed: number;
  /** How many different customers send (their ids are `baseId + 1 …`). */
  customers?: number;
  baseId?: number;
  /** The support group's id (SUPPORT_CHAT_ID), for the topic messages of customers in a handoff. */
  supportChatId?: number;
}

/**
 * Makes updates one after another. `stale` callback data comes from buttons the bot really sent
 * (read from the stand-in with `learn`), so presses reach real handlers with real, old ids.
 */
export class Fuzzer {
  readonly seed: number;
  private readonly random: () => number;
  private readonly users: User[];
  private readonly supportChatId: number | undefined;
  private readonly seenData: string[] = [];
  private readonly chargeIds: string[] = [];
  private learnedUpTo = 0;
  readonly expect: Expectations = { callbacks: new Set(), precheckouts: new Set(), spoke: new Set() };
  readonly kinds = new Map<string, number>();
  private queryCounter = 0;

  constructor(opts: FuzzerOptions) {
    this.seed = opts.seed;
    this.random = seededRandom(opts.seed);
    this.supportChatId = opts.supportChatId;
    const base = opts.baseId ?? 9_100_000_000;
    this.users = Array.from({ length: opts.customers ?? 200 }, (_, i) => this.junkUser(base + i + 1));
  }

  // ---- random pieces -------------------------------------------------------------------------

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }

  /** Random UTF-16 units, lone surrogates and controls included. */
  private noise(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) {
      const r = this.random();
      if (r < 0.5) s += String.fromCharCode(32 + this.int(95));
      else if (r < 0.7) s += String.fromCharCode(0x4e00 + this.int(0x5000));
      else if (r < 0.8) s += String.fromCharCode(this.int(32));
      else if (r < 0.9) s += String.fromCharCode(0xd800 + this.int(0x800));
      else s += String.fromCharCode(this.int(0x10000));
    }
    return s;
  }

  junkText(): string {
    const r = this.random();
    if (r < 0.35) return this.pick(NASTY);
    if (r < 0.6) return `${this.pick(NASTY)} ${this.noise(1 + this.int(40))} ${this.pick(NASTY)}`;
    if (r < 0.7) return this.noise(1 + this.int(200));
    if (r < 0.78) return this.pick(NASTY).repeat(1 + this.int(3)) + 'x'.repeat(4000 + this.int(2000)) + this.pick(NASTY);
    if (r < 0.85) return `/${this.noise(1 + this.int(10)).replace(/\s/g, '_')} ${this.noise(this.int(20))}`;
    return `${this.pick(['my agent said', 'talk to a person', '我要人工', 'hello'])} ${this.pick(NASTY)}`;
  }

  private junkName(): string {
    return this.pick([
      () => 'Wei',
      () => '\u202EnimdA',
      () => `Ad\u200Bmin${this.pick(NASTY)}`,
      () => this.noise(1 + this.int(30)),
      () => '<b>Boss</b> & co',
      () => 'x'.repeat(300),
      () => '\u0000',
    ])();
  }

  private junkUser(id: number): User {
    const user = userFor(id, { firstName: this.junkName(), languageCode: this.pick(LANGS) || undefined });
    if (this.chance(0.3)) user.last_name = this.junkName();
    if (this.chance(0.3)) user.username = this.noise(5 + this.int(10));
    return user;
  }

  private junkPayload(): string {
    return this.pick([
      () => `deposit:${this.int(1_000_000)}`,
      () => `deposit:${this.noise(5)}`,
      () => `store:${this.int(1_000_000)}`,
      () => `store:-1`,
      () => 'deposit:99999999999999999999',
      () => this.noise(this.int(128)),
      () => '',
      () => 'deposit:1\u0000',
    ])();
  }

  private junkAddress() {
    return {
      country_code: this.pick(['CN', 'US', 'XX', '', '\u0000\u0000']),
      state: this.junkText().slice(0, 100),
      city: this.junkText().slice(0, 100),
      street_line1: this.junkText().slice(0, 200),
      street_line2: this.pick(['', this.noise(10)]),
      post_code: this.noise(6),
    };
  }

  private junkCallbackData(): string {
    const r = this.random();
    if (r < 0.45 && this.seenData.length) return this.pick(this.seenData);
    if (r < 0.65) {
      // A real button's shape with forged ids.
      const real = this.seenData.length ? this.pick(this.seenData) : 'pick:paint:x';
      return real.replace(/\d+/g, () => String(this.pick([0, -1, 1, 2 ** 31, this.int(1e9), Number.MAX_SAFE_INTEGER + 2])));
    }
    if (r < 0.8) return this.noise(1 + this.int(64));
    return this.pick(['', ':', '::::', 'menu', 'cfg:', 'sha:1:x', 'ord:NaN', '\u0000', 'x'.repeat(64), 'pay:1e309', 'book:__proto__']);
  }

  /** Callback data the bot really sent to someone (so stale presses hit real handlers). */
  learn(api: BotApiStandIn): void {
    const calls = api.calls;
    for (; this.learnedUpTo < calls.length; this.learnedUpTo++) {
      const markup = calls[this.learnedUpTo]!.params.reply_markup;
      const parsed = typeof markup === 'string' ? safeJson(markup) : markup;
      const rows = (parsed as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard;
      if (!Array.isArray(rows)) continue;
      for (const row of rows) for (const b of row) if (b.callback_data && this.seenData.length < 5000) this.seenData.push(b.callback_data);
    }
  }

  // ---- updates -------------------------------------------------------------------------------

  private base(user: User) {
    return { message_id: nextMessageId(), from: user, chat: { id: user.id, type: 'private' as const, first_name: user.first_name }, date: Math.floor(Date.now() / 1000) };
  }

  private media(): Record<string, unknown> {
    const file = () => ({ file_id: `fz${this.int(1e9)}`, file_unique_id: `u${this.int(1e9)}` });
    const caption = this.chance(0.5) ? { caption: this.junkText() } : {};
    return this.pick<() => Record<string, unknown>>([
      () => ({ photo: photoSizes(), ...caption }),
      () => ({ sticker: { ...file(), type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: this.pick(['😀', '\u0000', '']) } }),
      () => ({ video: { ...file(), width: 1, height: 1, duration: 1 }, ...caption }),
      () => ({ voice: { ...file(), duration: this.int(100) }, ...caption }),
      () => ({ document: { ...file(), file_name: this.junkText().slice(0, 255), mime_type: 'application/x-junk' }, ...caption }),
      () => ({ audio: { ...file(), duration: 3, title: this.junkText().slice(0, 100), performer: this.junkName() }, ...caption }),
      () => ({ animation: { ...file(), width: 1, height: 1, duration: 1 }, ...caption }),
      () => ({ video_note: { ...file(), length: 1, duration: 1 } }),
      () => ({ location: { latitude: this.random() * 180 - 90, longitude: this.random() * 360 - 180 } }),
      () => ({
        venue: { location: { latitude: 31.2, longitude: 121.5 }, title: this.junkText().slice(0, 100), address: this.junkText().slice(0, 200) },
        location: { latitude: 31.2, longitude: 121.5 },
      }),
      () => ({
        contact: { phone_number: this.pick(['13800138000', this.noise(12), '', '\u0000']), first_name: this.junkName(), user_id: this.chance(0.5) ? undefined : this.int(1e9) },
      }),
      () => ({
        poll: {
          id: String(this.int(1e9)),
          question: this.junkText().slice(0, 300),
          options: [],
          total_voter_count: 0,
          is_closed: false,
          is_anonymous: true,
          type: 'regular',
          allows_multiple_answers: false,
        },
      }),
      () => ({ dice: { emoji: '🎲', value: 1 + this.int(6) } }),
      () => ({ new_chat_members: [] }),
      () => ({}),
    ])();
  }

  /** The next junk update, with an update_id. */
  next(): Update {
    const user = this.pick(this.users);
    const r = this.random();
    const update_id = nextUpdateId();
    let kind: string;
    let update: Record<string, unknown>;
    if (r < 0.3) {
      kind = 'text';
      const text = this.junkText();
      const message: Record<string, unknown> = { ...this.base(user), text };
      const cmd = /^\/\S+/.exec(text);
      if (cmd && this.chance(0.8)) message.entities = [{ type: 'bot_command', offset: 0, length: cmd[0].length }];
      if (this.chance(0.1)) message.entities = [{ type: 'bold', offset: this.int(10), length: this.int(5000) }];
      update = { message };
      this.expect.spoke.add(user.id);
    } else if (r < 0.45) {
      kind = 'media';
      update = { message: { ...this.base(user), ...this.media() } };
      this.expect.spoke.add(user.id);
    } else if (r < 0.63) {
      kind = 'callback';
      const id = String(++this.queryCounter + this.seed * 1000);
      const data = this.junkCallbackData();
      const message = this.chance(0.9)
        ? { message_id: this.int(100_000), from: STAND_IN_BOT, chat: { id: user.id, type: 'private', first_name: user.first_name }, date: 0, text: '…' }
        : undefined;
      update = {
        callback_query: {
          id,
          from: user,
          chat_instance: `ci${user.id}`,
          ...(message ? { message } : { inline_message_id: 'im1' }),
          ...(this.chance(0.95) ? { data } : { game_short_name: 'g' }),
        },
      };
      this.expect.callbacks.add(id);
    } else if (r < 0.71) {
      kind = 'pre_checkout_query';
      const id = `pcq${++this.queryCounter}_${this.seed}`;
      update = {
        pre_checkout_query: {
          id,
          from: user,
          currency: this.pick(['CNY', 'USD', 'XTR', '', 'cny']),
          total_amount: this.pick([0, -1, 1, this.int(10_000_000), 2 ** 53, 100_000, 800_000]),
          invoice_payload: this.junkPayload(),
          ...(this.chance(0.5) ? { shipping_option_id: this.pick(['standard', 'express', this.noise(5)]) } : {}),
          ...(this.chance(0.5) ? { order_info: { name: this.junkName(), phone_number: this.noise(11), shipping_address: this.junkAddress() } } : {}),
        },
      };
      this.expect.precheckouts.add(id);
    } else if (r < 0.76) {
      kind = 'successful_payment';
      const charge = this.chargeIds.length && this.chance(0.2) ? this.pick(this.chargeIds) : `fz_charge_${this.seed}_${this.int(1e12)}`;
      this.chargeIds.push(charge);
      update = {
        message: {
          ...this.base(user),
          successful_payment: {
            currency: this.pick(['CNY', 'USD', '']),
            total_amount: this.pick([0, 1, 100_000, 800_000, this.int(1e8)]),
            invoice_payload: this.junkPayload(),
            telegram_payment_charge_id: charge,
            provider_payment_charge_id: `prov_${charge}`,
            ...(this.chance(0.3) ? { order_info: { name: this.junkName(), shipping_address: this.junkAddress() } } : {}),
          },
        },
      };
      this.expect.spoke.add(user.id);
    } else if (r < 0.8) {
      kind = 'shipping_query';
      update = { shipping_query: { id: `sq${++this.queryCounter}`, from: user, invoice_payload: this.junkPayload(), shipping_address: this.junkAddress() } };
    } else if (r < 0.82 && this.supportChatId !== undefined) {
      kind = 'support_group';
      // A press in the support group by someone who is not an agent, on any message, with any data.
      const id = `gq${++this.queryCounter}_${this.seed}`;
      const chat = { id: this.supportChatId, type: 'supergroup', title: 'Support', is_forum: true };
      update = {
        callback_query: {
          id,
          from: user,
          chat_instance: 'group',
          data: this.junkCallbackData(),
          message: { message_id: this.int(1000), date: 0, chat, message_thread_id: 1 + this.int(50), is_topic_message: true, text: '…' },
        },
      };
      this.expect.callbacks.add(id);
    } else if (r < 0.84 && this.supportChatId !== undefined) {
      kind = 'support_group';
      // Someone in the support group who is not an agent, or a stray topic.
      update = {
        message: {
          message_id: nextMessageId(),
          from: user,
          chat: { id: this.supportChatId, type: 'supergroup', title: 'Support', is_forum: true },
          date: 0,
          ...(this.chance(0.7) ? { message_thread_id: 1 + this.int(50), is_topic_message: true } : {}),
          text: this.junkText(),
        },
      };
    } else {
      kind = 'unserved';
      update = this.unserved(user);
    }
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    return { update_id, ...update } as unknown as Update;
  }

  /** Update kinds, and chats, the bot does not serve. */
  private unserved(user: User): Record<string, unknown> {
    const group = { id: -1_000_000_000_000 - this.int(1000), type: this.pick(['group', 'supergroup']), title: this.junkText().slice(0, 50) };
    const channel = { id: -1_001_000_000_000 - this.int(1000), type: 'channel', title: 'chan' };
    const member = (status: string) => ({ user, status });
    return this.pick<() => Record<string, unknown>>([
      () => ({ inline_query: { id: String(this.int(1e9)), from: user, query: this.junkText(), offset: '' } }),
      () => ({ chosen_inline_result: { result_id: '1', from: user, query: this.junkText() } }),
      () => ({ channel_post: { message_id: 1, chat: channel, date: 0, text: this.junkText() } }),
      () => ({ edited_channel_post: { message_id: 1, chat: channel, date: 0, edit_date: 0, text: this.junkText() } }),
      () => ({ edited_message: { ...this.base(user), edit_date: 0, text: this.junkText() } }),
      () => ({ message: { message_id: 1, from: user, chat: group, date: 0, text: this.junkText() } }),
      () => ({ message: { message_id: 1, from: user, chat: group, date: 0, new_chat_members: [STAND_IN_BOT] } }),
      () => ({ my_chat_member: { chat: group, from: user, date: 0, old_chat_member: member('left'), new_chat_member: { user: STAND_IN_BOT, status: 'member' } } }),
      () => ({
        my_chat_member: {
          chat: { id: user.id, type: 'private', first_name: user.first_name },
          from: user,
          date: 0,
          old_chat_member: member('member'),
          new_chat_member: member(this.pick(['kicked', 'member'])),
        },
      }),
      () => ({ chat_member: { chat: group, from: user, date: 0, old_chat_member: member('left'), new_chat_member: member('member') } }),
      () => ({ chat_join_request: { chat: group, from: user, user_chat_id: user.id, date: 0 } }),
      () => ({ poll: { id: '1', question: 'q', options: [], total_voter_count: 0, is_closed: true, is_anonymous: true, type: 'regular', allows_multiple_answers: false } }),
      () => ({ poll_answer: { poll_id: '1', user, option_ids: [0] } }),
      () => ({ message_reaction: { chat: group, message_id: 1, user, date: 0, old_reaction: [], new_reaction: [] } }),
      () => ({ business_message: { ...this.base(user), text: this.junkText() } }),
      () => ({ [this.noise(8)]: { junk: true } }),
    ])();
  }

  /**
   * What a user would notice, from the stand-in's record: presses and pre-checkouts nobody
   * answered, junk let through to payment, and customers who got no reply at all.
   */
  tally(calls: readonly RecordedCall[]): Omit<FuzzFigures, 'updates' | 'failed_updates' | 'junk_payments_recorded' | 'rss_mb'> & { apologies: number } {
    const answeredCallbacks = new Set<string>();
    const answeredPre = new Set<string>();
    let junkApproved = 0;
    const repliedTo = new Set<string>();
    let apologies = 0;
    for (const c of calls) {
      if (APOLOGIES.has(String(c.params.text))) apologies++;
      if (c.method === 'answerCallbackQuery') answeredCallbacks.add(String(c.params.callback_query_id));
      else if (c.method === 'answerPreCheckoutQuery') {
        answeredPre.add(String(c.params.pre_checkout_query_id));
        if (c.params.ok === true || c.params.ok === 'true') junkApproved++;
      } else if (c.params.chat_id !== undefined) repliedTo.add(String(c.params.chat_id));
    }
    return {
      callbacks_unanswered: [...this.expect.callbacks].filter((id) => !answeredCallbacks.has(id)).length,
      precheckouts_unanswered: [...this.expect.precheckouts].filter((id) => !answeredPre.has(id)).length,
      junk_approved: junkApproved,
      silent_customers: [...this.expect.spoke].filter((id) => !repliedTo.has(String(id))).length,
      apologies,
    };
  }
}

const i18n = createI18n('zh-CN');
/** The apologies of the error boundary (src/bot/middlewares/index.ts reportError), in both languages: a failed update. */
const APOLOGIES = new Set(['en', 'zh-CN'].flatMap((lng) => ['errors.generic', 'errors.retrying'].map((key) => String(i18n.t(lng as 'en')(key)))));

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Payments recorded against orders (the fuzz never pays for real, so any is junk let through). */
/** Junk that paid something: payments applied to an order (one kept for a refund is recorded as such, not paid). */
export const JUNK_PAYMENTS_SQL = "select (select count(*) from payments where status = 'applied')::int + (select count(*) from store_payments where status = 'applied')::int as n";
