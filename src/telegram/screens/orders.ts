import type { Order } from '../../db/schema/index.js';
import type { LocalizedText } from '../../db/schema/index.js';
import { cancellationTarget, canBookDelivery, canBookInstallation } from '../../domain/orders/transitions.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { bookingLine, button, menuButton, rows } from './common.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { escapeHtml } from '../../i18n.js';
import { formatPhone } from '../../domain/customers/validation.js';
import type { StoreOrder } from '../../db/schema/index.js';
import { storeOrderButton } from './store-orders.js';

/** Asks for the contact name, offering the customer's Telegram name when it is a valid one. */
export function askName(f: Fmt, modelName: string, suggestion: string | null): Screen {
  return {
    text: f.t('order.ask_name', { name: escapeHtml(modelName) }),
    keyboard: [
      ...(suggestion ? [[button(f.t('order.use_name', { name: suggestion }), cb.useName.pack({}))]] : []),
      [button(f.t('nav.back'), cb.back.pack({ to: 'summary' })), menuButton(f)],
    ],
  };
}

export function cityPicker(f: Fmt, cities: Array<{ city: string; cityName: LocalizedText }>): Screen {
  return {
    text: f.t('order.ask_city'),
    keyboard: [
      ...rows(
        cities.map((c) => button(f.plain(c.cityName), cb.city.pack({ city: c.city }))),
        3,
      ),
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
    }),
    keyboard,
  };
}

export function confirmCancelOrder(f: Fmt, order: Order): Screen {
  const paid = cancellationTarget(order.state) === 'refund_requested';
  return {
    text: f.t(paid ? 'orders.confirm_cancel_paid' : 'orders.confirm_cancel_unpaid', { number: order.number, deposit: f.money(order.depositFen) }),
    keyboard: [
      [button(f.t('orders.cancel_yes'), cb.cancelOrderConfirm.pack({ orderId: order.id }))],
      [button(f.t('orders.cancel_no'), cb.orderDetail.pack({ orderId: order.id }))],
    ],
  };
}
