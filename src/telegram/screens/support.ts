import type { InlineKeyboardButton } from 'telegraf/types';
import type { Customer, Order, StoreOrder, SupportConversation, SupportMessage } from '../../db/schema/index.js';
import { escapeHtml } from '../../i18n.js';
import { localDateKey } from '../../shared/time.js';
import { cb } from '../callback-data.js';
import { shownName, type Fmt } from '../format.js';
import { cleanName, cutPlain } from '../../shared/text.js';
import type { Screen } from '../screen.js';
import { button } from './common.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { bookingLine } from './common.js';
import { configLine, stateLabel } from './orders.js';
import { storeStateLabel } from './store-orders.js';

/** Pure builders for the support handoff: the customer's buttons and the agents' topic texts. */

export const talkData = cb.supportTalk.pack({});
export const talkButton = (f: Fmt) => button(f.t('support.talk'), talkData);

/** Staff screens (ops worklist, campaign composer…) are work tools, not a customer's step. */
const STAFF_STEPS = /^(?:ops|staff|campaign|campaigns)\./;

/**
 * Every customer screen shown through ui.show() gets a "Talk to a person" row, unless the screen
 * opts out (`noSupport`), already offers it (the main menu), or is a staff screen.
 */
export function withTalkRow(f: Fmt, screen: Screen, step: string): Screen {
  if (screen.noSupport || STAFF_STEPS.test(step)) return screen;
  const keyboard = screen.keyboard ?? [];
  if (keyboard.some((row) => row.some((b) => 'callback_data' in b && b.callback_data === talkData))) return screen;
  return { ...screen, keyboard: [...keyboard, [talkButton(f)]] };
}

export const endChatKeyboard = (f: Fmt): InlineKeyboardButton[][] => [[button(f.t('support.end'), cb.supportEnd.pack({}))]];
export const continueKeyboard = (f: Fmt): InlineKeyboardButton[][] => [[button(f.t('support.continue'), cb.supportContinue.pack({}))]];

/** 1–5 and "Continue where I was". */
export function ratingKeyboard(f: Fmt, conversationId: number): InlineKeyboardButton[][] {
  const scores = (['1', '2', '3', '4', '5'] as const).map((score) => button(`${score} ⭐`, cb.supportRate.pack({ conversationId, score })));
  return [scores, ...continueKeyboard(f)];
}

export const cardKeyboard = (f: Fmt, conversationId: number): InlineKeyboardButton[][] => [
  [button(f.t('support.group.claim'), cb.supportClaim.pack({ conversationId })), button(f.t('support.group.close'), cb.supportClose.pack({ conversationId }))],
];

const hm = (minute: number): string => `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** "09:00–21:00": the team's hours. */
export const hoursText = (hours: { start: number; end: number }): string => `${hm(hours.start)}–${hm(hours.end)}`;

/** When agents are back: "today at 09:00", "tomorrow at 09:00", or "Mon 30 Nov at 09:00". */
export function backAt(f: Fmt, at: Date, now: Date, startMinute: number): string {
  const day = localDateKey(at, f.timeZone);
  const time = hm(startMinute);
  if (day === localDateKey(now, f.timeZone)) return f.t('support.back_today', { time });
  if (day === localDateKey(new Date(now.getTime() + 86_400_000), f.timeZone)) return f.t('support.back_tomorrow', { time });
  return f.t('support.back_day', { day: f.day(day), time });
}

export const displayName = (c: Pick<Customer, 'firstName' | 'lastName'>): string =>
  [c.firstName, c.lastName]
    .map((n) => cleanName(n ?? ''))
    .filter(Boolean)
    .join(' ') || '?';

/** Topic title: name, language and customer id (Telegram allows 128 characters). */
export const topicName = (c: Customer): string => cutPlain(`${displayName(c)} · ${c.language} · #${c.id}`, 128);

const timeFormats = new Map<string, Intl.DateTimeFormat>();
/** "11-27 23:19" in the business time zone: readable the same way in both languages. */
function hhmm(f: Fmt, at: Date): string {
  let format = timeFormats.get(f.timeZone);
  if (!format)
    timeFormats.set(
      f.timeZone,
      (format = new Intl.DateTimeFormat('en-GB', { timeZone: f.timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })),
    );
  const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "[photo]", "[图片]": a message without text in the transcript (raw type for a kind not in locales). */
export function contentLabel(f: Fmt, type: string): string {
  const id = type.replace(/[^A-Za-z0-9_-]/g, '_');
  const label = f.t(`support.group.types.${id}`);
  // i18next answers a missing key with the key itself.
  return label === `support.group.types.${id}` ? f.t('support.group.no_text', { type: escapeHtml(type) }) : label;
}

/** One transcript line, cut short: the card must stay under Telegram's 4,096 characters. */
export function transcriptLine(f: Fmt, m: SupportMessage): string {
  const raw = m.text ? (m.text.length > 120 ? `${m.text.slice(0, 119)}…` : m.text) : '';
  const text = m.contentType === 'text' ? escapeHtml(raw) : `${contentLabel(f, m.contentType)} ${escapeHtml(raw)}`.trim();
  return f.t('support.group.transcript_line', { who: f.t(`support.group.who_${m.direction}`), time: hhmm(f, m.createdAt), text });
}

/**
 * The customer's step in the group's language ("Configuring: version"), HTML; a step without a
 * label (a staff screen, a step added later) shows its id as code.
 */
export function stepLabel(f: Fmt, step: string): string {
  const id = step.replace(/[^A-Za-z0-9_-]/g, '_');
  const label = f.t(`support.group.steps.${id}`);
  return label === `support.group.steps.${id}` ? `<code>${escapeHtml(step)}</code>` : escapeHtml(label);
}

export interface CardInput {
  /** Store orders (accessories), shown after the car orders. */
  storeOrders?: Array<StoreOrder & { items: number }>;
  customer: Customer;
  step: string;
  orders: Order[];
  bookings: BookingView[];
  transcript: SupportMessage[];
  afterHours: boolean;
}

/** Room for the card's body: Telegram takes 4,096 characters, the head and status line need the rest. */
export const CARD_BODY_LIMIT = 3600;

/**
 * The profile card's body (the part that does not change): who, step, orders, last messages. When
 * it is too long the oldest transcript lines go first (never a cut through an HTML tag, which
 * Telegram would refuse, and with it the whole handoff).
 */
export function profileCard(f: Fmt, input: CardInput): string {
  const { customer } = input;
  const orders = input.orders.flatMap((o) => [
    f.t('support.group.order_line', { number: o.number, model: escapeHtml(o.snapshot.modelName), state: stateLabel(f, o.state) }),
    ...input.bookings.filter((b) => b.orderId === o.id).map((b) => f.t('support.group.booking_line', { line: bookingLine(f, b) })),
  ]);
  for (const o of (input.storeOrders ?? []).slice(0, 5)) {
    orders.push(f.t('support.group.store_order_line', { number: o.number, count: o.items, state: storeStateLabel(f, o.state) }));
  }
  const render = (lines: string[]) => {
    const text = f.t('support.group.card', {
      name: escapeHtml(displayName(customer)),
      username: customer.username ? f.t('support.group.username', { username: shownName(customer.username) }) : '',
      language: customer.language,
      phone: customer.phone ? escapeHtml(customer.phone) : f.t('support.group.no_phone'),
      step: stepLabel(f, input.step),
      orders: orders.length ? orders.join('\n') : f.t('support.group.no_orders'),
      transcript: lines.length ? lines.join('\n') : f.t('support.group.no_messages'),
    });
    return input.afterHours ? `${text}\n\n${f.t('support.group.after_hours')}` : text;
  };
  const lines = input.transcript.map((m) => transcriptLine(f, m));
  let body = render(lines);
  while (body.length > CARD_BODY_LIMIT && lines.length > 0) {
    lines.shift();
    body = render(lines);
  }
  // Still too long (a very long name or order list): plain text is the only safe cut.
  if (body.length <= CARD_BODY_LIMIT) return body;
  const plain = body
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return `${escapeHtml(plain.slice(0, CARD_BODY_LIMIT / 2))}…`;
}

/** What the card's status line needs to know of a conversation. */
export interface CardState {
  id: number;
  status: SupportConversation['status'];
  rating: number | null;
  /** HTML mention of the assignee, when assigned. */
  assignee: string | null;
  /** HTML mention of the agent who closed it, 'customer', or 'blocked' (the customer blocked the bot). */
  closedBy: string | null;
}

/** The status line: waiting / held by X / closed by X, and the rating once given. */
export function cardStatus(f: Fmt, c: CardState): string {
  let status: string;
  if (c.status === 'queued') status = f.t('support.group.status_queued');
  else if (c.status === 'assigned') status = f.t('support.group.status_assigned', { agent: c.assignee ?? '?' });
  else if (c.closedBy === 'customer') status = f.t('support.group.status_closed_customer');
  else if (c.closedBy === 'blocked') status = f.t('support.group.status_closed_blocked');
  else status = c.closedBy ? f.t('support.group.status_closed_agent', { agent: c.closedBy }) : f.t('support.group.status_closed');
  return c.rating === null ? status : `${status} · ${f.t('support.group.status_rated', { score: c.rating })}`;
}

/** The whole card: head with the status line, the body, and Claim / Close while it is open. */
export function cardScreen(f: Fmt, c: CardState, body: string): Screen {
  const head = f.t('support.group.card_head', { conversation: c.id, status: cardStatus(f, c) });
  return { text: `${head}\n\n${body}`, keyboard: c.status === 'closed' ? [] : cardKeyboard(f, c.id) };
}

/** `/order N` in a topic. */
export function orderCard(f: Fmt, order: Order, bookings: BookingView[]): string {
  return f
    .t('support.group.order', {
      number: order.number,
      model: escapeHtml(order.snapshot.modelName),
      state: stateLabel(f, order.state),
      total: f.money(order.totalFen),
      deposit: f.money(order.depositFen),
      config: configLine(f, order),
      bookings: bookings.map((b) => bookingLine(f, b)).join('\n'),
    })
    .trim();
}

export const cannedKeys = ['greeting', 'wait', 'deposit', 'delivery', 'thanks'] as const;
export type CannedKey = (typeof cannedKeys)[number];
export const isCannedKey = (key: string): key is CannedKey => (cannedKeys as readonly string[]).includes(key);
