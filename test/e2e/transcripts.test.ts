/**
 * The car journey as transcripts a reviewer can read: one customer browses, configures a Model Y,
 * orders through the confirmation screen, pays the deposit and gets the receipt, once in zh-CN and
 * once in English. Each bot message is written out as the customer sees it (text without HTML tags,
 * then its buttons as `[button] [button]` rows), each customer action as `> …`; what changes between
 * runs (order numbers, dates, ids) becomes a placeholder.
 *
 * The files are in ./__transcripts__/ and are compared as they are: a change to what customers read
 * fails here until the files are updated on purpose (`npx vitest run test/e2e/transcripts.test.ts -u`)
 * and the diff is read in review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat, plain, type SeenMessage } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { cb } from '../../src/telegram/callback-data.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling' });
});
afterAll(async () => {
  await h?.stop();
});

type Markup = {
  inline_keyboard?: Array<Array<{ text: string; url?: string }>>;
  keyboard?: Array<Array<string | { text: string }>>;
  remove_keyboard?: boolean;
};

const parsed = <T>(raw: unknown): T | undefined => (typeof raw === 'string' ? (JSON.parse(raw) as T) : (raw as T | undefined));

/** HTML text as a customer reads it: no tags, entities decoded. */
const readable = (html: string): string =>
  plain(html)
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const buttonRows = (markup: Markup | undefined): string[] => {
  const lines: string[] = [];
  for (const row of markup?.inline_keyboard ?? []) lines.push(row.map((b) => `[${b.text}${b.url ? ' ↗' : ''}]`).join(' '));
  for (const row of markup?.keyboard ?? []) lines.push(`(keyboard) ${row.map((b) => `[${typeof b === 'string' ? b : b.text}]`).join(' ')}`);
  if (markup?.remove_keyboard) lines.push('(keyboard removed)');
  return lines;
};

/** One recorded call as what the customer sees, or nothing when it shows nothing. */
function render(call: RecordedCall): string[] {
  if (!call.response.ok) return [];
  const p = call.params;
  const markup = parsed<Markup>(p.reply_markup);
  if (call.method === 'answerCallbackQuery') return p.text ? [`(toast) ${String(p.text as string)}`] : [];
  if (call.method === 'sendInvoice') {
    const prices = parsed<Array<{ label: string; amount: number }>>(p.prices) ?? [];
    const money = (fen: number) => `${p.currency === 'CNY' ? '¥' : `${String(p.currency as string)} `}${(fen / 100).toLocaleString('en')}`;
    return [
      'bot (invoice):',
      `  ${String(p.title as string)}`,
      ...String(p.description as string)
        .split('\n')
        .map((l) => `  ${l}`),
      ...prices.map((x) => `  ${x.label} · ${money(x.amount)}`),
      `  [Pay ${money(prices.reduce((s, x) => s + x.amount, 0))}] (Telegram's own button)`,
    ];
  }
  const edit = call.method.startsWith('edit');
  if (!edit && !call.method.startsWith('send')) return [];
  const media = parsed<{ type?: string; caption?: string }>(p.media);
  const text = String((p.text ?? p.caption ?? media?.caption ?? '') as string);
  const photo = call.method === 'sendPhoto' || media?.type === 'photo';
  const who = call.method === 'editMessageReplyMarkup' ? 'bot (changes the buttons):' : edit ? 'bot (updates the message):' : 'bot:';
  const body = [...(photo ? ['[photo]'] : []), ...(text ? readable(text).split('\n') : []), ...buttonRows(markup)];
  return [who, ...body.map((l) => (l ? `  ${l}` : ''))];
}

/** What changes from run to run, as placeholders. */
function normalise(text: string): string {
  return (
    text
      .replace(/\bTJ\d{6,}\b/g, 'TJ<order>')
      .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<date>')
      .replace(/\b\d{1,2}:\d{2}:\d{2}\b/g, '<time>')
      // Calendar dates in either language (12月3日, 3 Dec, Dec 3): the run's day and those after it. (A
      // year alone is left as it is: "in 2026" in the purchase-tax note is the rule's year, not today's.)
      .replace(/\d{1,2}月\d{1,2}日/g, '<M月D日>')
      .replace(/\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/g, '<D Mon>')
      .replace(/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b/g, '<Mon D>')
      .replace(/#\d+\b/g, '#<id>')
  );
}

/** A customer's chat that writes down what is said and shown, in order. */
class Transcript {
  private readonly lines: string[] = [];

  constructor(readonly c: TestChat) {}

  private show(calls: RecordedCall[]) {
    for (const call of calls) {
      const lines = render(call);
      if (lines.length > 0) this.lines.push(...lines);
    }
    this.lines.push('');
  }

  async say(text: string) {
    this.lines.push(`> ${text}`);
    this.show(await this.c.text(text));
  }

  async shareContact(phone: string) {
    this.lines.push(`> (shares their phone number)`);
    this.show(await this.c.contact(phone));
  }

  /** Presses the newest button that matches (its label, or its callback data), writing its label down. */
  async tap(match: string | RegExp | { data: string }) {
    const messages = this.c.messages().reverse();
    for (const m of messages) {
      const button = m.buttons.flat().find((b) => (typeof match === 'string' ? b.text.includes(match) : match instanceof RegExp ? match.test(b.text) : b.data === match.data));
      if (button?.data) return this.press(button.text, button.data, m);
    }
    throw new Error(`no button ${JSON.stringify(match)}; buttons: ${JSON.stringify(this.c.buttonLabels())}`);
  }

  private async press(label: string, data: string, on: SeenMessage) {
    this.lines.push(`> [${label}]`);
    this.show(await this.c.press(data, on));
  }

  async pay() {
    this.lines.push("> (pays in Telegram's payment sheet)");
    const paid = await this.c.pay();
    expect(paid.approved).toBe(true);
    this.show(paid.calls);
  }

  text(): string {
    return `${normalise(this.lines.join('\n')).trimEnd()}\n`;
  }
}

/** The same journey in each language: only the labels a customer would read differ. */
const journeys = [
  {
    lng: 'zh-CN',
    languageCode: 'zh-hans',
    userId: 730_001,
    firstName: '伟',
    t: { consentYes: '好的', browse: '浏览车型', configure: '选配并下单', orderNow: '立即下单', agreePay: '同意并支付', name: '张伟', phone: '13800138000', city: '上海' },
  },
  {
    lng: 'en',
    languageCode: 'en',
    userId: 730_002,
    firstName: 'Wei',
    t: {
      consentYes: 'Yes, please',
      browse: 'Browse models',
      configure: 'Configure and order',
      orderNow: 'Order ·',
      agreePay: 'Agree and pay',
      name: 'Zhang Wei',
      phone: '13800138000',
      city: 'Shanghai',
    },
  },
] as const;

describe('transcripts', () => {
  for (const j of journeys) {
    it(`the car journey in ${j.lng}: browse → configure → order (confirmation screen) → deposit paid → receipt`, async () => {
      const t = new Transcript(new TestChat(h, j.userId, { languageCode: j.languageCode, firstName: j.firstName }));
      await t.say('/start');
      await t.tap(j.t.consentYes);
      await t.tap(j.t.browse);
      await t.tap({ data: cb.model.pack({ modelId: 'model-y' }) });
      await t.tap(j.t.configure);
      await t.tap({ data: cb.choose.pack({ step: 'trim', optionId: 'my-lr' }) });
      await t.tap({ data: cb.choose.pack({ step: 'paint', optionId: 'my-paint-red' }) });
      await t.tap({ data: cb.choose.pack({ step: 'wheels', optionId: 'my-wheels-20' }) });
      await t.tap({ data: cb.choose.pack({ step: 'interior', optionId: 'my-int-white' }) });
      await t.tap(j.t.orderNow);
      await t.say(j.t.name);
      await t.say(j.t.phone);
      await t.tap(j.t.city);
      await t.tap(j.t.agreePay);
      await t.pay();
      await expect(t.text()).toMatchFileSnapshot(`./__transcripts__/car-journey.${j.lng}.txt`);
    });
  }
});
