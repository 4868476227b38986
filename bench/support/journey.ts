/**
 * Simulated customers playing the main road of the bot: /start → Browse models → a model →
 * Configure → trim → paint → wheels → interior → Order → name → phone → city → confirm → pre-checkout →
 * successful payment → My orders (15 updates).
 *
 * Callback data is built with the bot's own codecs; a press carries the chat's latest menu
 * message as `callback_query.message` (the bot only accepts flow buttons from it), tracked from
 * the Bot API calls the stand-in records. With `verify`, every answer is checked: no error or
 * stale-button text, the button about to be pressed is on the screen, an invoice after the confirmation,
 * the pre-checkout approved.
 */
import { readFileSync } from 'node:fs';
import { Latencies } from './stats.js';
import type { Message, User } from 'telegraf/types';
import { cb } from '../../src/telegram/callback-data.js';
import { readCatalogFile, type CatalogFile } from '../../src/db/seed.js';
import { rootPath } from '../../src/shared/paths.js';
import type { BotApiStandIn, RecordedCall } from '../../test/support/bot-api-stand-in.js';
import { callbackUpdate, preCheckoutUpdate, successfulPaymentUpdate, textUpdate, userFor, withId, type UpdateDraft } from '../../test/support/updates.js';

export interface Plan {
  languageCode: 'en' | 'zh-CN';
  modelId: string;
  trimId: string;
  paintId: string;
  wheelsId: string;
  interiorId: string;
  city: string;
  name: string;
  phone: string;
}

/** Deterministic pseudo-random numbers (mulberry32), so runs play the same mix. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Zhang Wei', 'Li Na', 'Wang Fang', '刘洋', '陈静', 'Alex Chen', "O'Brien", 'Zhao Lei'];

/** Valid configurations drawn from data/catalog.json (options restricted to a trim respected). */
export function planner(random: () => number, catalog: CatalogFile = readCatalogFile()): () => Plan {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const cities = catalog.deliveryCentres.map((c) => c.city);
  let n = 0;
  return () => {
    // Paused models (`available: false`) offer no order button: a journey picks one taking orders.
    const model = pick(catalog.models.filter((m) => m.available !== false));
    const trim = pick(model.trims);
    const option = (kind: 'paint' | 'wheels' | 'interior') => pick(model.options.filter((o) => o.kind === kind && (!o.trims || o.trims.includes(trim.id)))).id;
    n++;
    const mobile = `13${Math.floor(random() * 1e9)
      .toString()
      .padStart(9, '0')}`;
    return {
      languageCode: n % 2 ? 'en' : 'zh-CN',
      modelId: model.id,
      trimId: trim.id,
      paintId: option('paint'),
      wheelsId: option('wheels'),
      interiorId: option('interior'),
      city: pick([...new Set(cities)]),
      name: pick(NAMES),
      // Typed the ways people type them: "138 0013 8000" or "+86 13800138000".
      phone: n % 3 ? `${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}` : `+86 ${mobile}`,
    };
  };
}

/** Texts that must never reach a customer on the main road: every errors.* and stale.* string, both languages. */
function loadErrorTexts(): string[] {
  const texts: string[] = [];
  for (const locale of ['en', 'zh-CN']) {
    const tr = JSON.parse(readFileSync(rootPath('locales', locale, 'translation.json'), 'utf8')) as Record<string, unknown>;
    for (const section of ['errors', 'stale']) {
      for (const value of Object.values((tr[section] ?? {}) as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        // The longest literal part of a string with {{placeholders}}.
        const literal = value
          .split(/\{\{[^}]*\}\}|<[^>]*>/)
          .sort((a, b) => b.length - a.length)[0]
          ?.trim();
        if (literal && literal.length >= 4) texts.push(literal);
      }
    }
  }
  return texts;
}

interface Invoice {
  payload: string;
  currency: string;
  amount: number;
}

type StepName =
  | 'start'
  | 'browse'
  | 'model'
  | 'configure'
  | 'trim'
  | 'paint'
  | 'wheels'
  | 'interior'
  | 'order'
  | 'name'
  | 'phone'
  | 'city'
  | 'confirm'
  | 'pre_checkout'
  | 'payment'
  | 'my_orders';

export const STEPS: readonly StepName[] = [
  'start',
  'browse',
  'model',
  'configure',
  'trim',
  'paint',
  'wheels',
  'interior',
  'order',
  'name',
  'phone',
  'city',
  'confirm',
  'pre_checkout',
  'payment',
  'my_orders',
];

/** Callback data a step presses (null for steps that send a message or pay). */
function dataFor(step: StepName, p: Plan): string | null {
  switch (step) {
    case 'browse':
      return cb.models.pack({});
    case 'model':
      return cb.model.pack({ modelId: p.modelId });
    case 'configure':
      return cb.configure.pack({ modelId: p.modelId });
    case 'trim':
      return cb.choose.pack({ step: 'trim', optionId: p.trimId });
    case 'paint':
      return cb.choose.pack({ step: 'paint', optionId: p.paintId });
    case 'wheels':
      return cb.choose.pack({ step: 'wheels', optionId: p.wheelsId });
    case 'interior':
      return cb.choose.pack({ step: 'interior', optionId: p.interiorId });
    case 'order':
      return cb.orderStart.pack({});
    case 'city':
      return cb.city.pack({ city: p.city });
    case 'confirm':
      // The confirmation screen's "agree and pay": the order is placed and its invoice sent.
      return cb.orderConfirm.pack({});
    case 'my_orders':
      return cb.orders.pack({});
    default:
      return null;
  }
}

interface InlineMarkup {
  inline_keyboard?: Array<Array<{ callback_data?: string }>>;
}

export class Customer {
  readonly user: User;
  step = 0;
  /** The newest bot message with inline buttons (the customer's screen), as the Bot API returned it. */
  screen: Message | null = null;
  screenData = new Set<string>();
  lastMessageId = 0;
  invoice: Invoice | null = null;
  /** Calls addressed to this customer while the current update is handled. */
  inbox: RecordedCall[] = [];
  /** Id of the callback or pre-checkout query in flight, routed to this customer. */
  query: string | null = null;
  failed = false;

  constructor(
    readonly id: number,
    readonly plan: Plan,
  ) {
    this.user = userFor(id, { languageCode: plan.languageCode, firstName: plan.name.split(' ')[0] });
  }

  get done(): boolean {
    return this.failed || this.step >= STEPS.length;
  }

  get stepName(): StepName {
    return STEPS[this.step]!;
  }
}

export interface Outcome {
  error: string | null;
  /** The customer finished the journey with this update. */
  finished: boolean;
}

/**
 * Routes the stand-in's recorded calls to customers (by chat id, or by query id for
 * answerCallbackQuery / answerPreCheckoutQuery), builds each customer's next update and checks
 * the answers to it.
 */
export class Traffic {
  private readonly byChat = new Map<number, Customer>();
  private readonly byQuery = new Map<string, Customer>();
  private readonly errorTexts = loadErrorTexts();
  private readonly plan: () => Plan;
  private nextId: number;
  private readonly unsubscribe: () => void;
  readonly errors = new Map<string, { count: number; example: string }>();
  errorCount = 0;
  journeys = 0;
  /** Calls that belonged to no known customer. */
  strays = 0;
  /** Latency per journey step (filled by the load drivers through `observe`). */
  readonly byStep = new Map<string, Latencies>();

  constructor(
    api: BotApiStandIn,
    readonly verify: boolean,
    seed: number,
    firstUserId: number,
  ) {
    this.plan = planner(rng(seed));
    this.nextId = firstUserId;
    this.unsubscribe = api.onCall((call) => this.route(call));
  }

  close(): void {
    this.unsubscribe();
  }

  newCustomer(): Customer {
    const c = new Customer(this.nextId++, this.plan());
    this.byChat.set(c.id, c);
    return c;
  }

  retire(c: Customer): void {
    this.byChat.delete(c.id);
    if (c.query) this.byQuery.delete(c.query);
  }

  private route(call: RecordedCall): void {
    const p = call.params;
    let c: Customer | undefined;
    if (p.chat_id !== undefined) c = this.byChat.get(Number(p.chat_id));
    else if (p.callback_query_id !== undefined) c = this.byQuery.get(String(p.callback_query_id));
    else if (p.pre_checkout_query_id !== undefined) c = this.byQuery.get(String(p.pre_checkout_query_id));
    else return; // getMe, setWebhook, setMyCommands…
    if (c) c.inbox.push(call);
    else this.strays++;
  }

  fail(c: Customer, reason: string, example = ''): Outcome {
    this.errorCount++;
    const e = this.errors.get(reason) ?? { count: 0, example };
    e.count++;
    this.errors.set(reason, e);
    c.failed = true;
    return { error: reason, finished: false };
  }

  /** The customer's next update as JSON (with its update_id), or null when the journey is over. */
  next(c: Customer): string | null {
    if (c.done) return null;
    const step = c.stepName;
    const data = dataFor(step, c.plan);
    let update: UpdateDraft;
    if (data !== null) {
      if (this.verify && !c.screenData.has(data)) {
        this.fail(c, `button "${data}" missing before ${step}`, [...c.screenData].join(' '));
        return null;
      }
      const q = callbackUpdate(c.user, data, { messageId: c.screen?.message_id ?? (c.lastMessageId || 1) });
      if (c.screen) q.callback_query.message = c.screen;
      c.query = q.callback_query.id;
      update = q;
    } else if (step === 'start') {
      update = textUpdate(c.user, '/start');
    } else if (step === 'name') {
      update = textUpdate(c.user, c.plan.name);
    } else if (step === 'phone') {
      update = textUpdate(c.user, c.plan.phone);
    } else {
      const inv = c.invoice ?? { payload: 'deposit:0', currency: 'CNY', amount: 100_000 };
      if (step === 'pre_checkout') {
        const q = preCheckoutUpdate(c.user, { payload: inv.payload, currency: inv.currency, totalAmount: inv.amount });
        c.query = q.pre_checkout_query.id;
        update = q;
      } else {
        const charge = `bench_charge_${c.id}`;
        update = successfulPaymentUpdate(c.user, {
          payload: inv.payload,
          currency: inv.currency,
          totalAmount: inv.amount,
          telegramChargeId: charge,
          providerChargeId: `prov_${charge}`,
        });
      }
    }
    if (c.query) this.byQuery.set(c.query, c);
    return JSON.stringify(withId(update));
  }

  observe(step: string, ms: number): void {
    let l = this.byStep.get(step);
    if (!l) this.byStep.set(step, (l = new Latencies()));
    l.add(ms);
  }

  /** Takes in the answers to the update just handled (status = the webhook's HTTP status). */
  settle(c: Customer, status: number): Outcome {
    const step = c.stepName;
    const calls = c.inbox;
    c.inbox = [];
    if (c.query) this.byQuery.delete(c.query);
    c.query = null;
    c.step++;
    const finished = c.step >= STEPS.length;
    if (finished) this.journeys++;
    if (!this.verify) {
      this.absorb(c, calls);
      return { error: status === 200 ? null : this.fail(c, `webhook answered ${status}`).error, finished };
    }
    if (status !== 200) return this.fail(c, `webhook answered ${status} at ${step}`);
    const problem = this.absorb(c, calls);
    if (problem) return this.fail(c, `${problem.reason} at ${step}`, problem.example);
    if (calls.length === 0) return this.fail(c, `no answer at ${step}`);
    if (step === 'confirm' && !c.invoice) return this.fail(c, 'no invoice after the confirmation');
    if (step === 'pre_checkout') {
      const answer = calls.find((x) => x.method === 'answerPreCheckoutQuery');
      if (!answer || answer.params.ok !== true) return this.fail(c, 'pre-checkout refused', String(answer?.params.error_message ?? ''));
    }
    return { error: null, finished };
  }

  /** Updates the customer's screen and invoice from the calls; returns the first problem seen. */
  private absorb(c: Customer, calls: RecordedCall[]): { reason: string; example: string } | null {
    let problem: { reason: string; example: string } | null = null;
    for (const call of calls) {
      const p = call.params;
      if (!call.response.ok) {
        problem ??= { reason: `${call.method} failed`, example: String(call.response.description) };
        continue;
      }
      const texts = [p.text, p.caption, (p.media as { caption?: unknown } | undefined)?.caption, p.error_message];
      for (const text of texts) {
        if (typeof text !== 'string') continue;
        const hit = this.errorTexts.find((e) => text.includes(e));
        if (hit) problem ??= { reason: `error text from ${call.method}`, example: hit };
      }
      const result = call.response.result as (Message & { reply_markup?: InlineMarkup }) | true | undefined;
      if (call.method === 'sendInvoice') {
        const prices = (typeof p.prices === 'string' ? JSON.parse(p.prices) : p.prices) as Array<{ amount: number }>;
        c.invoice = { payload: String(p.payload), currency: String(p.currency), amount: prices.reduce((s, x) => s + x.amount, 0) };
      }
      if (!result || result === true || typeof result !== 'object' || typeof result.message_id !== 'number') continue;
      c.lastMessageId = Math.max(c.lastMessageId, result.message_id);
      if (call.method === 'deleteMessage') continue;
      const keyboard = result.reply_markup?.inline_keyboard;
      if (keyboard && keyboard.length > 0) {
        c.screen = result;
        c.screenData = new Set(keyboard.flat().flatMap((b) => (b.callback_data ? [b.callback_data] : [])));
      }
    }
    return problem;
  }
}
