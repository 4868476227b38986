import type { Order } from '../../db/schema/index.js';
import type { LocalizedText } from '../../db/schema/index.js';
import { cancellationTarget, canBookDelivery, canBookInstallation, canPreferWeek, paidOpenStates } from '../../domain/orders/transitions.js';
import { depositRefundable, type RefundPolicy } from '../../domain/orders/refund-policy.js';
import { priceLines, totalFen, type Configuration, type ModelCatalog } from '../../domain/catalog/pricing.js';
import { localDateKey } from '../../shared/time.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { bookingLine, button, menuButton, rows, weekRange } from './common.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { escapeHtml } from '../../i18n.js';
import { formatPhone } from '../../domain/customers/validation.js';
import type { StoreOrder } from '../../db/schema/index.js';
import { storeOrderButton } from './store-orders.js';
import { priceBlock } from './catalog.js';

/**
 * Asks for the contact name, offering the customer's Telegram name when it is a valid one. Changing
 * it from the confirmation screen (`editing`), Back returns there.
 */
export function askName(f: Fmt, modelName: string, suggestion: string | null, editing = false): Screen {
  return {
    text: f.t('order.ask_name', { name: escapeHtml(modelName) }),
    keyboard: [
      ...(suggestion ? [[button(f.t('order.use_name', { name: suggestion }), cb.useName.pack({}))]] : []),
      [button(f.t('nav.back'), editing ? cb.orderReview.pack({}) : cb.back.pack({ to: 'summary' })), menuButton(f)],
    ],
  };
}

/** The cities with delivery, and a way to say one's city is not among them. */
export function cityPicker(f: Fmt, cities: Array<{ city: string; cityName: LocalizedText }>, editing = false): Screen {
  return {
    text: f.t('order.ask_city'),
    keyboard: [
      ...rows(
        cities.map((c) => button(f.plain(c.cityName), cb.city.pack({ city: c.city }))),
        3,
      ),
      [button(f.t('order.city_not_listed'), cb.cityOther.pack({}))],
      editing ? [button(f.t('nav.back'), cb.orderReview.pack({})), menuButton(f)] : [menuButton(f)],
    ],
  };
}

/** A city without delivery: a plain answer, the waitlist, or another city. */
export function cityNotServed(f: Fmt, city: string): Screen {
  return {
    text: f.t('order.city_not_served', { city: escapeHtml(city) }),
    keyboard: [[button(f.t('order.waitlist_join'), cb.waitlist.pack({}))], [button(f.t('order.pick_listed_city'), cb.orderEdit.pack({ field: 'city' }))], [menuButton(f)]],
  };
}

export function waitlistJoined(f: Fmt, city: string): Screen {
  return { text: f.t('order.waitlist_joined', { city: escapeHtml(city) }), keyboard: [[button(f.t('menu.browse'), cb.models.pack({}))], [menuButton(f)]] };
}

/** The deposit terms: what the deposit is, and until when it is refunded in full (the order's policy). */
export const depositTerms = (f: Fmt, policy: RefundPolicy, depositFen: number): string => f.t(`deposit.terms_${policy}`, { deposit: f.money(depositFen) });

/** One line for an order: whether its deposit would be refunded if cancelled now. */
export function refundLine(f: Fmt, order: Order): string {
  if (order.state === 'awaiting_deposit' || !paidOpenStates.includes(order.state)) return f.t(`deposit.policy_${order.refundPolicy}`);
  return f.t(depositRefundable(order.refundPolicy, order.state) ? 'deposit.refundable_now' : 'deposit.not_refundable_now');
}

export interface OrderDraftView {
  model: ModelCatalog;
  cfg: Configuration;
  contactName: string;
  phone: string;
  cityName: string;
  policy: RefundPolicy;
  paymentsAvailable: boolean;
}

/**
 * Before anything is written: the configuration, vehicle price, deposit, contact and city, each
 * changeable, and the deposit terms, accepted with one tap ("同意并支付").
 */
export function confirmOrder(f: Fmt, d: OrderDraftView): Screen {
  const lines = priceLines(d.model, d.cfg);
  const config = lines.map((l) => f.text(l.name)).join(' · ');
  const deposit = d.model.model.depositFen;
  return {
    text: f.t('order.confirm', {
      model: escapeHtml(d.model.model.name),
      config,
      prices: priceBlock(f, totalFen(lines)),
      deposit: f.money(deposit),
      contact: escapeHtml(d.contactName),
      phone: escapeHtml(formatPhone(d.phone)),
      city: escapeHtml(d.cityName),
      terms: depositTerms(f, d.policy, deposit),
    }),
    keyboard: [
      [button(f.t(d.paymentsAvailable ? 'order.agree_and_pay' : 'order.agree_and_order', { deposit: f.money(deposit) }), cb.orderConfirm.pack({}))],
      [button(f.t('order.edit_config'), cb.back.pack({ to: 'summary' })), button(f.t('order.edit_name'), cb.orderEdit.pack({ field: 'name' }))],
      [button(f.t('order.edit_phone'), cb.orderEdit.pack({ field: 'phone' })), button(f.t('order.edit_city'), cb.orderEdit.pack({ field: 'city' }))],
      [menuButton(f)],
    ],
  };
}

export const stateLabel = (f: Fmt, state: string): string => f.t(`order_state.${state}`);

/** "Model Y 长续航全轮驱动版 · 珍珠白 · …" */
export const configLine = (f: Fmt, order: Order): string =>
  [`${escapeHtml(order.snapshot.modelName)} ${f.text(order.snapshot.trim.name)}`, ...order.snapshot.options.map((o) => f.text(o.name))].join(' · ');

export function orderCreated(f: Fmt, order: Order, paymentsAvailable: boolean): Screen {
  return {
    text: f.t(paymentsAvailable ? 'order.created' : 'order.created_no_payments', {
      number: order.number,
      config: configLine(f, order),
      total: f.money(order.totalFen),
      deposit: f.money(order.depositFen),
      refund: f.t(`deposit.policy_${order.refundPolicy}`),
    }),
    keyboard: [
      ...(paymentsAvailable ? [[button(f.t('order.pay_again', { deposit: f.money(order.depositFen) }), cb.pay.pack({ orderId: order.id }))]] : []),
      [button(f.t('menu.orders'), cb.orders.pack({})), menuButton(f)],
    ],
  };
}

export function orderList(f: Fmt, list: Order[], storeOrders: Array<StoreOrder & { items: number }> = []): Screen {
  if (list.length === 0 && storeOrders.length === 0) {
    return { text: f.t('orders.none'), keyboard: [[button(f.t('menu.browse'), cb.models.pack({}))], [menuButton(f)]] };
  }
  return {
    text: f.t('orders.title'),
    keyboard: [
      ...list.map((o) => [button(`${o.number} · ${o.snapshot.modelName} · ${stateLabel(f, o.state)}`, cb.orderDetail.pack({ orderId: o.id }))]),
      // Store orders (charging equipment, accessories, apparel) below the cars.
      ...storeOrders.map((o) => [storeOrderButton(f, o)]),
      [menuButton(f)],
    ],
  };
}

export function orderDetail(f: Fmt, order: Order, bookings: BookingView[], cityName: string, now: Date): Screen {
  const state = order.state;
  const breakdown = [order.snapshot.trim, ...order.snapshot.options]
    .map((l) => f.t('catalog.price_line', { name: f.text(l.name), price: l.priceFen === 0 ? f.t('catalog.included') : f.money(l.priceFen) }))
    .join('\n');
  const bookingText = bookings.length ? bookings.map((b) => bookingLine(f, b)).join('\n') : f.t('orders.no_bookings');
  const keyboard = [];
  if (state === 'awaiting_deposit') keyboard.push([button(f.t('order.pay_again', { deposit: f.money(order.depositFen) }), cb.pay.pack({ orderId: order.id }))]);
  const delivery = bookings.find((b) => b.kind === 'delivery');
  const installation = bookings.find((b) => b.kind === 'installation');
  for (const [kind, booking, allowed] of [
    ['delivery', delivery, canBookDelivery(state)],
    ['installation', installation, canBookInstallation(state)],
  ] as const) {
    if (booking) {
      // A slot that has begun is history: no buttons to move or cancel it.
      if (booking.slot.startsAt <= now) continue;
      keyboard.push([
        button(f.t(`orders.reschedule_${kind}`), cb.reschedule.pack({ bookingId: booking.id })),
        button(f.t(`orders.cancel_${kind}`), cb.cancelBooking.pack({ bookingId: booking.id })),
      ]);
    } else if (allowed) {
      const data = kind === 'delivery' ? cb.bookDelivery.pack({ orderId: order.id }) : cb.bookInstallation.pack({ orderId: order.id });
      keyboard.push([button(f.t(`menu.${kind}`), data)]);
    }
  }
  if (canPreferWeek(state)) {
    keyboard.push([button(f.t(order.preferredDeliveryWeek ? 'orders.change_preferred_week' : 'orders.prefer_week'), cb.preferWeek.pack({ orderId: order.id }))]);
  }
  if (cancellationTarget(state)) keyboard.push([button(f.t('orders.cancel_order'), cb.cancelOrder.pack({ orderId: order.id }))]);
  keyboard.push([button(f.t('nav.back'), cb.orders.pack({})), menuButton(f)]);
  return {
    text: f.t('orders.detail', {
      number: order.number,
      state: stateLabel(f, state),
      model: escapeHtml(order.snapshot.modelName),
      breakdown,
      total: f.money(order.totalFen),
      deposit: f.money(order.depositFen),
      contact: escapeHtml(order.contactName),
      phone: escapeHtml(formatPhone(order.phone)),
      city: escapeHtml(cityName),
      bookings: bookingText,
      car: carLines(f, order),
      refund: refundLine(f, order),
    }),
    keyboard,
  };
}

/** The car as far as it is known: VIN once allocated, the expected delivery week, the customer's preferred week. */
function carLines(f: Fmt, order: Order): string {
  const lines: string[] = [];
  if (order.vin) lines.push(f.t('orders.vin', { vin: escapeHtml(order.vin) }));
  if (order.expectedDeliveryWeek && order.state !== 'delivered') {
    lines.push(f.t('orders.expected_week', { week: weekRange(f, localDateKey(order.expectedDeliveryWeek, f.timeZone)) }));
  }
  if (order.preferredDeliveryWeek && canPreferWeek(order.state)) lines.push(f.t('orders.preferred_week', { week: weekRange(f, order.preferredDeliveryWeek) }));
  return lines.length ? `\n${lines.join('\n')}` : '';
}

/** Weeks a customer may prefer for delivery (Mondays, 'YYYY-MM-DD'), and the current wish. */
export function preferWeekPicker(f: Fmt, order: Order, mondays: string[]): Screen {
  return {
    text: f.t('orders.prefer_week_ask', { number: order.number }),
    keyboard: [
      ...rows(
        mondays.map((m) => button(`${m === order.preferredDeliveryWeek ? '✓ ' : ''}${weekRange(f, m)}`, cb.preferWeekPick.pack({ orderId: order.id, date: m }))),
        2,
      ),
      [button(f.t('nav.back'), cb.orderDetail.pack({ orderId: order.id })), menuButton(f)],
    ],
  };
}

export function confirmCancelOrder(f: Fmt, order: Order): Screen {
  const target = cancellationTarget(order.state, order.refundPolicy);
  const vars = { number: order.number, deposit: f.money(order.depositFen) };
  return {
    text:
      order.state === 'awaiting_deposit'
        ? f.t('orders.confirm_cancel_unpaid', vars)
        : target === 'refund_requested'
          ? f.t('orders.confirm_cancel_paid', vars)
          : f.t('orders.confirm_cancel_forfeit', vars),
    keyboard: [
      [button(f.t('orders.cancel_yes'), cb.cancelOrderConfirm.pack({ orderId: order.id }))],
      [button(f.t('orders.cancel_no'), cb.orderDetail.pack({ orderId: order.id }))],
    ],
  };
}
