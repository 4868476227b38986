import type { Booking, Installation, Order, OrderEvent, Slot, StoreOrder } from '../../db/schema/index.js';
import { formatPhone } from '../../domain/customers/validation.js';
import type { Worklist } from '../../domain/fulfilment/service.js';
import { escapeHtml } from '../../i18n.js';
import { nextActions, type OpsAction, type OrderView } from '../../domain/fulfilment/order-view.js';
import { localDateKey } from '../../shared/time.js';
import { cb } from '../callback-data.js';
import { shownName, type Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, weekRange } from './common.js';
import { bookingLine } from './common.js';
import { configLine, stateLabel } from './orders.js';
import { refundEntryLabel, refundReason, type RefundDue } from './payments.js';

/**
 * Screens of the operations staff's bot UI. Also the text `npm run ops` prints (with the HTML
 * stripped), so the bot and the command line always say the same thing.
 */

/** Buttons per worklist section: a phone screen of buttons, well under Telegram's 100 per message. */
export const SECTION_BUTTONS = 8;
/** The newest audit entries shown on an order, to stay far below Telegram's 4,096 characters. */
const TRAIL_LINES = 20;

export interface WorklistEntry {
  label: string;
  data: string;
  orderId: number;
  installationId?: number;
  /** A payment to refund: the number of its order (`npm run ops -- refunded <number>`). */
  refundOf?: string;
}

export interface WorklistSection {
  title: string;
  entries: WorklistEntry[];
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
/** 2026年11月28日 10:05 / 28 Nov 2026, 10:05 in the business time zone. */
export function dateTime(f: Fmt, at: Date): string {
  const key = `${f.locale}|${f.timeZone}`;
  let fmt = dateTimeFormats.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(f.locale === 'en' ? 'en-GB' : f.locale, {
      timeZone: f.timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    dateTimeFormats.set(key, fmt);
  }
  return fmt.format(at);
}

const when = (f: Fmt, start: Date, end: Date) => ({ day: f.day(localDateKey(start, f.timeZone)), time: f.timeRange(start, end) });
const basics = (f: Fmt, o: Order) => ({ number: o.number, model: o.snapshot.modelName, state: stateLabel(f, o.state) });

/** A scheduled charger installation of a store order (a Wall Connector bought without a car order). */
export interface StoreInstallationDue {
  storeOrder: StoreOrder;
  installation: Installation;
  booking: Booking;
  slot: Slot;
}

/** The worklist as sections with one entry (button) per order; `limit` caps the entries per section. */
export function worklistSections(f: Fmt, wl: Worklist, limit = Infinity, storeInstalls: StoreInstallationDue[] = [], refunds: RefundDue[] = []): WorklistSection[] {
  const installs = [
    ...wl.installations.map(({ order: o, installation, slot }) => ({
      at: slot.startsAt.getTime(),
      entry: {
        label: f.t('ops.entry.installation', { ...basics(f, o), ...when(f, slot.startsAt, slot.endsAt) }),
        data: cb.opsInstalled.pack({ installationId: installation.id }),
        orderId: o.id,
        installationId: installation.id,
      },
    })),
    ...storeInstalls.map(({ storeOrder: o, installation, slot }) => ({
      at: slot.startsAt.getTime(),
      entry: {
        label: f.t('store.ops.entry_installation', { number: o.number, ...when(f, slot.startsAt, slot.endsAt) }),
        data: cb.opsInstalled.pack({ installationId: installation.id }),
        orderId: 0,
        installationId: installation.id,
      },
    })),
  ].sort((a, b) => a.at - b.at);
  const section = (key: string, count: number, entries: WorklistEntry[]): WorklistSection => ({
    title: f.t(`ops.list.section_${key}`, { count }),
    entries: entries.slice(0, limit),
  });
  // Money that could not be applied to its order (car deposits and store payments): first, it is
  // owed; shown only when there is some.
  const refundSection: WorklistSection = {
    title: f.t('payments.ops.section', { count: refunds.length }),
    entries: refunds.slice(0, limit).map((r) => ({
      label: refundEntryLabel(f, r),
      data: cb.opsRefund.pack({ kind: r.kind, paymentId: r.payment.id }),
      orderId: r.kind === 'car' ? r.order.id : 0,
      refundOf: r.order.number,
    })),
  };
  return [
    ...(refunds.length > 0 ? [refundSection] : []),
    section(
      'allocate',
      wl.toAllocate.length,
      wl.toAllocate.map((o) => ({ label: f.t('ops.entry.allocate', basics(f, o)), data: cb.opsAllocate.pack({ orderId: o.id }), orderId: o.id })),
    ),
    section(
      'ready',
      wl.toMarkReady.length,
      wl.toMarkReady.map((o) => ({ label: f.t('ops.entry.ready', basics(f, o)), data: cb.opsReady.pack({ orderId: o.id }), orderId: o.id })),
    ),
    section(
      'unbooked',
      wl.readyNotBooked.length,
      wl.readyNotBooked.map((o) => ({ label: f.t('ops.entry.unbooked', basics(f, o)), data: cb.opsOrder.pack({ orderId: o.id }), orderId: o.id })),
    ),
    section(
      'deliveries',
      wl.deliveries.length,
      wl.deliveries.map(({ order: o, slot }) => {
        // Only a scheduled delivery can be handed over; anything else is shown for a look.
        const scheduled = o.state === 'delivery_scheduled';
        return {
          label: f.t(scheduled ? 'ops.entry.delivery' : 'ops.entry.delivery_view', { ...basics(f, o), ...when(f, slot.startsAt, slot.endsAt) }),
          data: scheduled ? cb.opsDelivered.pack({ orderId: o.id }) : cb.opsOrder.pack({ orderId: o.id }),
          orderId: o.id,
        };
      }),
    ),
    section(
      'installations',
      installs.length,
      installs.map((i) => i.entry),
    ),
  ];
}

/** A city customers asked delivery for, and how many of them ("tell me when delivery opens here"). */
export interface WaitlistCity {
  city: string;
  customers: number;
}

/** Cities shown in the chat's worklist; the ops CLI lists them all. */
const WAITLIST_CITIES = 10;

/**
 * The delivery waitlist as worklist lines: each city (as customers typed it, escaped) with its
 * count, most wanted first; nothing when nobody waits. `limit` caps the cities (the rest counted).
 */
export function waitlistLines(f: Fmt, waitlist: WaitlistCity[], limit = Infinity): string[] {
  if (waitlist.length === 0) return [];
  const shown = waitlist.slice(0, limit);
  return [
    f.t('ops.list.waitlist'),
    ...shown.map((w) => f.t('ops.list.waitlist_city', { city: escapeHtml(w.city), customers: f.t('ops.list.waitlist_customers', { count: w.customers }) })),
    ...(waitlist.length > shown.length ? [f.t('ops.list.waitlist_more', { count: waitlist.length - shown.length })] : []),
  ];
}

export function worklistScreen(
  f: Fmt,
  wl: Worklist,
  storeToShip = 0,
  storeInstalls: StoreInstallationDue[] = [],
  refunds: RefundDue[] = [],
  waitlist: WaitlistCity[] = [],
): Screen {
  const sections = worklistSections(f, wl, SECTION_BUTTONS, storeInstalls, refunds);
  const counts = [refunds, wl.toAllocate, wl.toMarkReady, wl.readyNotBooked, wl.deliveries, [...wl.installations, ...storeInstalls]].map((l) => l.length);
  const notes = [];
  if (counts.every((c) => c === 0)) notes.push(f.t('ops.list.nothing'));
  if (counts.some((c) => c > SECTION_BUTTONS)) notes.push(f.t('ops.list.more', { shown: SECTION_BUTTONS }));
  // Paid store orders waiting for a parcel: shipped with /ops ship (src/bot/features/store/store-ops.ts).
  if (storeToShip > 0) notes.push(f.t('store.ops.worklist', { count: storeToShip }));
  const waiting = waitlistLines(f, waitlist, WAITLIST_CITIES);
  if (waiting.length) notes.push('', ...waiting, '');
  notes.push(f.t('ops.list.hint'));
  return {
    text: [f.t('ops.list.title'), '', ...sections.map((s) => s.title), '', ...notes].join('\n'),
    keyboard: [
      ...sections.flatMap((s) => s.entries.map((e) => [button(e.label, e.data)])),
      [button(f.t('store.ops.store_button', { count: storeToShip }), cb.opsStoreList.pack({}))],
      [button(f.t('ops.list.refresh'), cb.opsList.pack({}))],
    ],
  };
}

/** 'staff:12345' → "staff 12345"; unknown kinds are shown as stored. */
export function actorLabel(f: Fmt, actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const id = escapeHtml(rest.join(':'));
  if (kind === 'customer' || kind === 'staff' || kind === 'cli' || kind === 'system' || kind === 'config') return f.t(`ops.actor.${kind}`, { id });
  return escapeHtml(actor);
}

const installationState = (f: Fmt, state: string) => f.t(`ops.installation_state.${state}`);

function trailLine(f: Fmt, e: OrderEvent): string {
  const label = (state: string) =>
    e.subject === 'installation' ? installationState(f, state) : e.subject === 'payment' ? f.t(`ops.payment_state.${state}`) : stateLabel(f, state);
  const line = f.t(e.subject === 'installation' ? 'ops.trail.installation' : e.subject === 'payment' ? 'ops.trail.payment' : 'ops.trail.order', {
    when: dateTime(f, e.createdAt),
    from: e.fromState ? label(e.fromState) : f.t('ops.trail.new'),
    to: label(e.toState),
    actor: actorLabel(f, e.actor),
  });
  return e.note ? f.t('ops.trail.note', { line, note: escapeHtml(e.note) }) : line;
}

function installationLine(f: Fmt, i: Installation): string {
  const state = installationState(f, i.state);
  const address = escapeHtml(i.address);
  return i.installedAt ? f.t('ops.card.installed_line', { state, address, when: dateTime(f, i.installedAt) }) : f.t('ops.card.installation_line', { state, address });
}

const cityOf = (f: Fmt, view: OrderView) => escapeHtml(view.cityName ? f.plain(view.cityName) : view.order.city);

/** The text of one order for staff: customer, car, VIN, bookings, installation and history. */
export function orderCardText(f: Fmt, view: OrderView, banner?: string): string {
  const { order } = view;
  const lines: string[] = banner ? [banner, ''] : [];
  lines.push(
    f.t('ops.card.title', { number: order.number, state: stateLabel(f, order.state) }),
    f.t('ops.card.customer', { name: shownName(order.contactName), phone: escapeHtml(formatPhone(order.phone)) }),
    f.t('ops.card.city', { city: cityOf(f, view) }),
    f.t('ops.card.config', { config: configLine(f, order) }),
    f.t('ops.card.total', { total: f.money(order.totalFen), deposit: f.money(order.depositFen) }),
    order.vin ? f.t('ops.card.vin', { vin: escapeHtml(order.vin) }) : f.t('ops.card.no_vin'),
  );
  if (order.deliveredAt) lines.push(f.t('ops.card.delivered_at', { when: dateTime(f, order.deliveredAt) }));
  else if (order.expectedDeliveryWeek) lines.push(f.t('ops.card.week', { week: weekRange(f, localDateKey(order.expectedDeliveryWeek, f.timeZone)) }));
  // The customer's wish before the car is ready (no booking, no promise): for planning the allocation.
  if (order.preferredDeliveryWeek && !order.deliveredAt) lines.push(f.t('ops.card.preferred_week', { week: weekRange(f, order.preferredDeliveryWeek) }));
  lines.push(f.t(`ops.card.refund_${order.refundPolicy}`));
  lines.push('', f.t('ops.card.bookings'));
  lines.push(...(view.bookings.length ? view.bookings.map((b) => bookingLine(f, b)) : [f.t('ops.card.no_bookings')]));
  lines.push('', f.t('ops.card.installations'));
  lines.push(...(view.installations.length ? view.installations.map((i) => installationLine(f, i)) : [f.t('ops.card.no_installation')]));
  lines.push('', f.t('ops.card.trail'));
  const omitted = Math.max(0, view.events.length - TRAIL_LINES);
  if (omitted > 0) lines.push(f.t('ops.card.trail_omitted', { count: omitted }));
  lines.push(...view.events.slice(omitted).map((e) => trailLine(f, e)));
  return lines.join('\n');
}

function actionButton(f: Fmt, a: OpsAction) {
  switch (a.kind) {
    case 'allocate':
      return button(f.t('ops.action.allocate'), cb.opsAllocate.pack({ orderId: a.orderId }));
    case 'ready':
      return button(f.t('ops.action.ready'), cb.opsReady.pack({ orderId: a.orderId }));
    case 'delivered':
      return button(f.t('ops.action.delivered'), cb.opsDelivered.pack({ orderId: a.orderId }));
    case 'installed':
      return button(f.t('ops.action.installed'), cb.opsInstalled.pack({ installationId: a.installationId }));
  }
}

/** One order with a button for each step that can be taken now. */
export function orderCard(f: Fmt, view: OrderView, banner?: string): Screen {
  return {
    text: orderCardText(f, view, banner),
    keyboard: [
      ...nextActions(view).map((a) => [actionButton(f, a)]),
      [button(f.t('ops.card.refresh'), cb.opsOrder.pack({ orderId: view.order.id })), button(f.t('ops.card.back'), cb.opsList.pack({}))],
    ],
  };
}

export function vinPrompt(f: Fmt, view: OrderView): Screen {
  const { order } = view;
  return {
    text: f.t('ops.vin.ask', { number: order.number, config: configLine(f, order), name: shownName(order.contactName), city: cityOf(f, view) }),
    keyboard: [[button(f.t('ops.vin.back'), cb.opsOrder.pack({ orderId: order.id }))]],
  };
}

export function confirmDelivered(f: Fmt, order: Order): Screen {
  return {
    text: f.t('ops.confirm_delivered.text', {
      number: order.number,
      config: configLine(f, order),
      vin: escapeHtml(order.vin ?? ''),
      name: shownName(order.contactName),
    }),
    keyboard: [
      [button(f.t('ops.confirm_delivered.yes'), cb.opsDeliveredConfirm.pack({ orderId: order.id }))],
      [button(f.t('ops.confirm_delivered.no'), cb.opsOrder.pack({ orderId: order.id }))],
    ],
  };
}

/** A payment waiting for its refund: its facts for the provider's dashboard, and the button that records it. */
export function refundConfirm(f: Fmt, r: RefundDue): Screen {
  const p = r.payment;
  return {
    text: f.t('payments.ops.confirm', {
      number: r.order.number,
      amount: f.money(p.amountFen),
      reason: refundReason(f, p),
      when: dateTime(f, p.createdAt),
      payer: p.payerTelegramId,
      charge: escapeHtml(p.telegramPaymentChargeId),
      provider: escapeHtml(p.providerPaymentChargeId),
    }),
    keyboard: [[button(f.t('payments.ops.yes'), cb.opsRefundConfirm.pack({ kind: r.kind, paymentId: p.id }))], [button(f.t('payments.ops.back'), cb.opsList.pack({}))]],
  };
}

/** HTML message text as plain text, for the command line. */
export const plainText = (html: string): string =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
