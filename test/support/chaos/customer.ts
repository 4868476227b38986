/**
 * One customer of the chaos run as their chat shows it (customers.ts plays the journeys): what they
 * plan to buy, and what the bot has sent them — buttons to press, texts, answers to their queries.
 */
import { readFileSync } from 'node:fs';
import type { Message } from 'telegraf/types';
import { readCatalogFile } from '../../../src/db/seed.js';
import { rootPath } from '../../../src/shared/paths.js';
import type { RecordedCall } from '../bot-api-stand-in.js';
import { userFor } from '../updates.js';

/** Deterministic pseudo-random numbers (mulberry32), so a seed replays the same mix. */
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

export interface Plan {
  languageCode: 'en' | 'zh-hans';
  modelId: string;
  picks: [string, string, string, string];
  city: string;
  name: string;
  phone: string;
}

export function planner(random: () => number): (n: number) => Plan {
  const catalog = readCatalogFile();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const cities = [...new Set(catalog.deliveryCentres.map((c) => c.city))];
  return (n) => {
    // Paused models (data/catalog.json `available: false`) offer no order button: customers pick one taking orders.
    const model = pick(catalog.models.filter((m) => m.available !== false));
    const trim = pick(model.trims);
    const option = (kind: 'paint' | 'wheels' | 'interior') => pick(model.options.filter((o) => o.kind === kind && (!o.trims || o.trims.includes(trim.id)))).id;
    return {
      languageCode: n % 2 ? 'en' : 'zh-hans',
      modelId: model.id,
      picks: [trim.id, option('paint'), option('wheels'), option('interior')],
      city: pick(cities),
      name: pick(['Zhang Wei', 'Li Na', '刘洋', '陈静', 'Alex Chen']),
      phone: `138${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
    };
  };
}

export interface Seen {
  seq: number;
  call: RecordedCall;
}

const MESSAGE_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendInvoice', 'editMessageText', 'editMessageCaption', 'editMessageMedia', 'editMessageReplyMarkup', 'copyMessage']);

const keyboardOf = (call: RecordedCall): string[] => {
  const result = call.response.ok ? (call.response.result as { reply_markup?: unknown } | true) : undefined;
  const markup = (typeof result === 'object' && result?.reply_markup) || call.params.reply_markup;
  const parsed = (typeof markup === 'string' ? JSON.parse(markup) : markup) as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined;
  return (parsed?.inline_keyboard ?? []).flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
};

export class Customer {
  readonly user;
  /** Successful calls to this chat (and answers to its queries), in order. */
  readonly seen: Seen[] = [];
  /** Steps done; the name of the step given up on, if any. */
  abandonedAt: string | null = null;
  refused: string | null = null;
  private waiters: Array<() => void> = [];

  constructor(
    readonly id: number,
    readonly plan: Plan,
  ) {
    this.user = userFor(id, { languageCode: plan.languageCode, firstName: plan.name.split(' ')[0] });
  }

  /** Records a call to this chat (or an answer to its query) and wakes whoever waits on the chat. */
  see(entry: Seen): void {
    this.seen.push(entry);
    this.wake();
  }

  /** Wakes every `nextCall` now (the run is stopping, or something else changed). */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Resolves at the chat's next call (`see`) or `wake`, or after `ms`: a customer looks at the
   * chat when something arrives, not every so many milliseconds.
   */
  nextCall(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        },
        Math.max(0, ms),
      );
      this.waiters.push(done);
    });
  }

  /** The newest message (after `since`) with a button whose data passes `test`, that data, and the call's position. */
  button(test: (data: string) => boolean, since = -1): { message: Message; data: string; seq: number } | null {
    for (let i = this.seen.length - 1; i >= 0 && this.seen[i]!.seq > since; i--) {
      const { call } = this.seen[i]!;
      if (!MESSAGE_METHODS.has(call.method)) continue;
      const data = keyboardOf(call).find(test);
      const result = call.response.ok ? (call.response.result as Message | true) : undefined;
      if (data && typeof result === 'object') return { message: result, data, seq: this.seen[i]!.seq };
    }
    return null;
  }

  messageSince(since: number, method?: string): RecordedCall | null {
    for (let i = this.seen.length - 1; i >= 0 && this.seen[i]!.seq > since; i--) {
      const { call } = this.seen[i]!;
      if (MESSAGE_METHODS.has(call.method) && (method === undefined || call.method === method)) return call;
    }
    return null;
  }

  /** A message (or query answer) after `since` whose text contains one of `texts`. */
  textSince(since: number, texts: string[]): RecordedCall | null {
    for (let i = this.seen.length - 1; i >= 0 && this.seen[i]!.seq > since; i--) {
      const { call } = this.seen[i]!;
      const text = textOf(call);
      if (text && texts.some((t) => text.includes(t))) return call;
    }
    return null;
  }

  answerTo(queryId: string): RecordedCall | null {
    return (
      this.seen.find((s) => s.call.params.callback_query_id === queryId || s.call.params.pre_checkout_query_id === queryId || s.call.params.shipping_query_id === queryId)?.call ??
      null
    );
  }
}

export const exact = (data: string) => (d: string) => d === data;

/**
 * The literal parts of locale strings (both languages) that identify them in a message: the
 * longest piece between {{placeholders}} and tags. `keys` are dotted paths in translation.json.
 */
function literals(keys: string[]): string[] {
  const out: string[] = [];
  for (const locale of ['en', 'zh-CN']) {
    const tr = JSON.parse(readFileSync(rootPath('locales', locale, 'translation.json'), 'utf8')) as Record<string, unknown>;
    for (const key of keys) {
      const value = key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), tr);
      if (typeof value !== 'string') throw new Error(`no locale string ${locale}:${key}`);
      const literal = value
        .split(/\{\{[^}]*\}\}|<[^>]*>/)
        .sort((a, b) => b.length - a.length)[0]
        ?.trim();
      if (literal) out.push(literal);
    }
  }
  return out;
}

/**
 * The bot's apologies and refusals that mean "try again": a person taps or types again at once.
 * Not `errors.retrying` ("we are trying again ourselves, no need to send it again"): then they wait.
 */
export const APOLOGIES = literals(['errors.generic']);
export const ASK_PHONE = literals(['order.ask_phone', 'order.bad_phone']);

/** A query's answer unless it is an apology (the customer then taps again: see `step`). */
export const final = (answer: RecordedCall | null): RecordedCall | null =>
  answer && (answer.params.ok === true || !APOLOGIES.some((t) => textOf(answer).includes(t))) ? answer : null;

export const textOf = (call: RecordedCall): string => {
  const t = call.params.text ?? call.params.caption ?? call.params.error_message;
  return typeof t === 'string' ? t : '';
};
