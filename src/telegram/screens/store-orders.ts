import type { Installation, StoreOrder } from '../../db/schema/index.js';
import type { StoreInstallationContext } from '../../domain/reminders/repository.js';
import type { StoreOrderView } from '../../domain/store/checkout.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton } from './common.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { bookingLine } from './common.js';

/** Store orders in "My orders", the paid receipt, and the shipping notices; pure (Fmt, rows) → Screen. */

export const storeStateLabel = (f: Fmt, state: string): string => f.t(`store.orders.state.${state}`);

export const storeOrderButton = (f: Fmt, o: StoreOrder & { items: number }) =>
  button(f.t('store.orders.button', { number: o.number, count: o.items, state: storeStateLabel(f, o.state) }), cb.storeOrder.pack({ orderId: o.id }));

export const storeLines = (f: Fmt, view: StoreOrderView): string =>
  view.lines.map((l) => f.t('store.orders.line', { name: f.text(l.name), qty: l.qty, total: f.money(l.qty * l.unitPriceFen) })).join('\n');

const totalOf = (o: StoreOrder) => o.goodsFen + (o.shippingFen ?? 0);

/** "JD next-day · ¥30" / "JD standard (2–4 days) · free"; '—' before a shipping option is chosen. */
const shippingText = (f: Fmt, o: StoreOrder): string =>
  o.shipping ? `${f.t(`store.shipping.${o.shipping}`)} · ${o.shippingFen ? f.money(o.shippingFen) : f.t('store.free')}` : '—';

/** A store order's charger installation: booked, done, or still to book (see src/bot/features/order/store-installation.ts). */
export interface StoreInstallInfo {
  booking: BookingView | null;
  installed: Installation | null;
  canBook: boolean;
}

function installText(f: Fmt, info: StoreInstallInfo | null): string {
  if (!info) return '';
  if (info.booking) return `\n\n${f.t('store.orders.installation_booked', { line: bookingLine(f, info.booking) })}`;
  if (info.installed) return `\n\n${f.t('store.orders.installation_done', { address: escapeHtml(info.installed.address) })}`;
  return info.canBook ? `\n\n${f.t('store.orders.installation_to_book')}` : '';
}

function installButtons(f: Fmt, o: StoreOrder, info: StoreInstallInfo | null) {
  if (info?.booking) {
    return [
      [
        button(f.t('orders.reschedule_installation'), cb.reschedule.pack({ bookingId: info.booking.id })),
        button(f.t('orders.cancel_installation'), cb.cancelBooking.pack({ bookingId: info.booking.id })),
      ],
    ];
  }
  return info?.canBook ? [[button(f.t('store.book_installation'), cb.storeInstall.pack({ orderId: o.id }))]] : [];
}

export function storeOrderDetail(f: Fmt, view: StoreOrderView, install: StoreInstallInfo | null = null): Screen {
  const o = view.order;
  return {
    text:
      f.t('store.orders.detail', {
        number: o.number,
        state: storeStateLabel(f, o.state),
        lines: storeLines(f, view),
        shipping: shippingText(f, o),
        total: f.money(totalOf(o)),
        address: o.address ? escapeHtml(`${o.recipient ?? ''} ${o.phone ?? ''}, ${o.address}`.trim()) : f.t('store.orders.no_address'),
        tracking: o.trackingNo ? f.t('store.orders.tracking', { carrier: escapeHtml(o.carrier ?? ''), tracking: escapeHtml(o.trackingNo) }) : '',
      }) + installText(f, install),
    keyboard: [...installButtons(f, o, install), [button(f.t('nav.back'), cb.orders.pack({})), menuButton(f)]],
  };
}

/**
 * After the payment: the receipt, and for a Wall Connector the way to its installation booking:
 * through the car order's installation flow when a car order can take it ('car'), else for the
 * store order itself ('store').
 */
export function paidScreen(f: Fmt, view: StoreOrderView, amountFen: number, install: 'car' | 'store' | null): Screen {
  const o = view.order;
  const installText = install ? `\n\n${f.t('store.paid_install')}` : '';
  return {
    text:
      f.t('store.paid', {
        number: o.number,
        amount: f.money(amountFen),
        lines: storeLines(f, view),
        // The amount paid includes shipping: the receipt shows it, so the lines add up.
        shipping: shippingText(f, o),
        address: escapeHtml(o.address ?? ''),
      }) + installText,
    keyboard: [
      ...(install === 'car' ? [[button(f.t('store.book_installation'), cb.bookPick.pack({ kind: 'installation' }))]] : []),
      ...(install === 'store' ? [[button(f.t('store.book_installation'), cb.storeInstall.pack({ orderId: o.id }))]] : []),
      [button(f.t('store.view_order'), cb.storeOrder.pack({ orderId: o.id })), button(f.t('store.menu'), cb.storeHome.pack({}))],
      [menuButton(f)],
    ],
  };
}

/** Sent by the store worker when ops mark a store order's charger installed (no car order). */
export function storeInstalledNotice(f: Fmt, o: StoreOrder, installation: Installation): Screen {
  return {
    text: f.t('store.notice.installed', { number: o.number, address: escapeHtml(installation.address) }),
    keyboard: [[button(f.t('store.view_order'), cb.storeOrder.pack({ orderId: o.id }))]],
  };
}

/** Sent by the store worker when ops mark an order shipped or delivered. */
export function storeNotice(f: Fmt, o: StoreOrder): Screen {
  const text =
    o.state === 'shipped'
      ? f.t('store.notice.shipped', { number: o.number, carrier: escapeHtml(o.carrier ?? ''), tracking: escapeHtml(o.trackingNo ?? '') })
      : o.state === 'refunded'
        ? f.t('store.notice.refunded', { number: o.number, amount: f.money(o.goodsFen + (o.shippingFen ?? 0)) })
        : f.t('store.notice.delivered', { number: o.number });
  return { text, keyboard: [[button(f.t('store.view_order'), cb.storeOrder.pack({ orderId: o.id }))]] };
}

/** Sent by the reminders worker 24 hours before a store order's charger installation (no car order). */
export function storeInstallationReminder(f: Fmt, ctx: StoreInstallationContext): Screen {
  const parking = f.t(`booking.parking_${ctx.installation?.parking ?? ctx.booking.parking ?? 'garage'}`);
  return {
    text: f.t('reminders.installation.store_t24h', { number: ctx.storeOrder.number, line: bookingLine(f, ctx.booking), parking }),
    keyboard: [[button(f.t('store.view_order'), cb.storeOrder.pack({ orderId: ctx.storeOrder.id }))]],
  };
}
