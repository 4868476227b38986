import type { StoreOrder } from '../../db/schema/index.js';
import type { StoreOrderView } from '../../domain/store/checkout.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data.js';
import { shownName, type Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button } from './common.js';
import { storeLines, storeStateLabel } from './store-orders.js';

/** Store orders in the ops staff's /ops: the list to ship and in transit, one order, and its two steps. */

type Listed = StoreOrder & { items: number };

/** Buttons per section, as in the car worklist (a phone screen, far under Telegram's 100). */
const SECTION_BUTTONS = 8;

const entry = (f: Fmt, o: Listed) =>
  button(f.t('store.ops.entry', { number: o.number, count: o.items, recipient: o.recipient ?? '', state: storeStateLabel(f, o.state) }), cb.opsStoreOrder.pack({ orderId: o.id }));

export function storeOpsList(f: Fmt, toShip: Listed[], inTransit: Listed[]): Screen {
  const text = [f.t('store.ops.list_title'), '', f.t('store.ops.section_to_ship', { count: toShip.length }), f.t('store.ops.section_in_transit', { count: inTransit.length })];
  if (toShip.length + inTransit.length === 0) text.push('', f.t('store.ops.none_waiting').trim());
  if (toShip.length > SECTION_BUTTONS || inTransit.length > SECTION_BUTTONS) text.push('', f.t('ops.list.more', { shown: SECTION_BUTTONS }));
  return {
    text: text.join('\n'),
    keyboard: [
      ...toShip.slice(0, SECTION_BUTTONS).map((o) => [entry(f, o)]),
      ...inTransit.slice(0, SECTION_BUTTONS).map((o) => [entry(f, o)]),
      [button(f.t('ops.list.refresh'), cb.opsStoreList.pack({})), button(f.t('store.ops.back_to_worklist'), cb.opsList.pack({}))],
    ],
  };
}

export function storeOpsOrderText(f: Fmt, view: StoreOrderView, banner?: string): string {
  const o = view.order;
  const lines = banner ? [banner, ''] : [];
  lines.push(
    f.t('store.ops.card', {
      number: o.number,
      state: storeStateLabel(f, o.state),
      lines: storeLines(f, view),
      recipient: `${shownName(o.recipient)} ${escapeHtml(o.phone ?? '')}`.trim(),
      address: escapeHtml(o.address ?? ''),
      shipping: o.shipping ? f.t(`store.shipping.${o.shipping}`) : '—',
    }),
  );
  if (o.trackingNo) lines.push(f.t('store.orders.tracking', { carrier: escapeHtml(o.carrier ?? ''), tracking: escapeHtml(o.trackingNo) }).trim());
  return lines.join('\n');
}

/** One store order with the step that can be taken now. */
export function storeOpsOrder(f: Fmt, view: StoreOrderView, banner?: string): Screen {
  const o = view.order;
  const steps =
    o.state === 'paid'
      ? [[button(f.t('store.ops.mark_shipped'), cb.opsStoreShip.pack({ orderId: o.id }))]]
      : o.state === 'shipped'
        ? [[button(f.t('store.ops.mark_delivered'), cb.opsStoreDelivered.pack({ orderId: o.id }))]]
        : [];
  return {
    text: storeOpsOrderText(f, view, banner),
    keyboard: [...steps, [button(f.t('ops.card.refresh'), cb.opsStoreOrder.pack({ orderId: o.id })), button(f.t('store.ops.back_to_list'), cb.opsStoreList.pack({}))]],
  };
}

export function storeTrackingPrompt(f: Fmt, o: StoreOrder): Screen {
  return {
    text: f.t('store.ops.ask_tracking', { number: o.number }),
    keyboard: [[button(f.t('ops.vin.back'), cb.opsStoreOrder.pack({ orderId: o.id }))]],
  };
}

export function storeConfirmDelivered(f: Fmt, o: StoreOrder): Screen {
  return {
    text: f.t('store.ops.confirm_delivered', {
      number: o.number,
      recipient: shownName(o.recipient),
      carrier: escapeHtml(o.carrier ?? ''),
      tracking: escapeHtml(o.trackingNo ?? ''),
    }),
    keyboard: [
      [button(f.t('store.ops.confirm_delivered_yes'), cb.opsStoreDeliveredConfirm.pack({ orderId: o.id }))],
      [button(f.t('ops.confirm_delivered.no'), cb.opsStoreOrder.pack({ orderId: o.id }))],
    ],
  };
}
