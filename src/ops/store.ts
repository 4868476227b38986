import { plainText } from '../telegram/screens/ops.js';
import { storeStateLabel } from '../telegram/screens/store-orders.js';
import type { StoreOrder } from '../db/schema/index.js';
import { StoreOrderError } from '../domain/store/checkout.js';
import type { CliContext } from './context.js';

/** Store order numbers are S + digits (car orders are TJ…). */
export const isStoreRef = (ref: string): boolean => /^[sS]\d{1,10}$/.test(ref.trim());

const storeOrderJson = (o: StoreOrder) => ({
  id: o.id,
  number: o.number,
  state: o.state,
  carrier: o.carrier,
  trackingNo: o.trackingNo,
  shippedAt: o.shippedAt?.toISOString() ?? null,
  deliveredAt: o.deliveredAt?.toISOString() ?? null,
});

/**
 * `shipped S10001 --carrier JD --tracking JDV…`, `delivered S10001` and `refunded S10001` (a
 * needs_refund order whose money went back through the provider): the same steps as
 * `/ops ship` in the bot; the customer is told by the store worker (queued via StoreEvents).
 */
export async function storeStep(c: CliContext, step: 'shipped' | 'delivered' | 'refunded', ref: string, carrier = '', tracking = ''): Promise<number> {
  const { storeCheckout } = c.services;
  const fail = (code: string, message: string) => {
    if (c.json) c.io.out(JSON.stringify({ ok: false, error: { code, message } }, null, 2));
    else c.io.err(message);
    return 1;
  };
  const order = await storeCheckout.byRef(ref);
  if (!order) return fail('order_not_found', plainText(c.f.t('store.ops.not_found', { ref })));
  try {
    const updated =
      step === 'shipped'
        ? await storeCheckout.ship(order.id, carrier, tracking, c.actor)
        : step === 'refunded'
          ? await storeCheckout.refunded(order.id, c.actor)
          : await storeCheckout.deliver(order.id, c.actor);
    const message =
      step === 'shipped'
        ? c.f.t('store.ops.shipped', { number: updated.number, carrier: updated.carrier, tracking: updated.trackingNo })
        : c.f.t(step === 'refunded' ? 'store.ops.refunded' : 'store.ops.delivered', { number: updated.number });
    if (c.json) c.io.out(JSON.stringify({ ok: true, storeOrder: storeOrderJson(updated) }, null, 2));
    else c.io.out(plainText(message));
    return 0;
  } catch (err) {
    if (!(err instanceof StoreOrderError)) throw err;
    if (err.code === 'bad_tracking') return fail(err.code, plainText(c.f.t('store.ops.bad_tracking')));
    const current = (await storeCheckout.byId(order.id)) ?? order;
    return fail(err.code, plainText(c.f.t('store.ops.wrong_state', { number: order.number, state: storeStateLabel(c.f, current.state) })));
  }
}
