import type { StoreOrder } from '../../db/schema/index.js';
import type { StoreOrderView } from '../../domain/store/checkout.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data/index.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../ui.js';
import { button, menuButton } from './common.js';

/** Store orders in "My orders", the paid receipt, and the shipping notices; pure (Fmt, rows) → Screen. */

export const storeStateLabel = (f: Fmt, state: string): string => f.t(`store.orders.state.${state}`);

export const storeOrderButton = (f: Fmt, o: StoreOrder & { items: number }) =>
  button(f.t('store.orders.button', { number: o.number, count: o.items, state: storeStateLabel(f, o.state) }), cb.storeOrder.pack({ orderId: o.id }));

export const storeLines = (f: Fmt, view: StoreOrderView): string =>
  view.lines.map((l) => f.t('store.orders.line', { name: f.text(l.name), qty: l.qty, total: f.money(l.qty * l.unitPriceFen) })).join('\n');

const totalOf = (o: StoreOrder) => o.goodsFen + (o.shippingFen ?? 0);

export function storeOrderDetail(f: Fmt, view: StoreOrderView): Screen {
  const o = view.order;
  const shipping = o.shipping ? `${f.t(`store.shipping.${o.shipping}`)} · ${o.shippingFen ? f.money(o.shippingFen) : f.t('store.free')}` : '—';
  return {
    text: f.t('store.orders.detail', {
      number: o.number,
      state: storeStateLabel(f, o.state),
      lines: storeLines(f, view),
      shipping,
      total: f.money(totalOf(o)),
      address: o.address ? escapeHtml(`${o.recipient ?? ''} ${o.phone ?? ''}, ${o.address}`.trim()) : f.t('store.orders.no_address'),
      tracking: o.trackingNo ? f.t('store.orders.tracking', { carrier: escapeHtml(o.carrier ?? ''), tracking: escapeHtml(o.trackingNo) }) : '',
    }),
    keyboard: [[button(f.t('nav.back'), cb.orders.pack({})), menuButton(f)]],
  };
}

/** After the payment: the receipt, and for a Wall Connector the way to its installation. */
export function paidScreen(f: Fmt, view: StoreOrderView, amountFen: number, install: 'book' | 'later' | null): Screen {
  const o = view.order;
  const installText = install === 'book' ? `\n\n${f.t('store.paid_install')}` : install === 'later' ? `\n\n${f.t('store.paid_install_later')}` : '';
  return {
    text:
      f.t('store.paid', {
        number: o.number,
        amount: f.money(amountFen),
        lines: storeLines(f, view),
        address: escapeHtml(o.address ?? ''),
      }) + installText,
    keyboard: [
      ...(install === 'book' ? [[button(f.t('store.book_installation'), cb.bookPick.pack({ kind: 'installation' }))]] : []),
      [button(f.t('store.view_order'), cb.storeOrder.pack({ orderId: o.id })), button(f.t('store.menu'), cb.storeHome.pack({}))],
      [menuButton(f)],
    ],
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
