import { Composer } from 'telegraf';
import { StoreOrderError } from '../../domain/store/checkout.js';
import { escapeHtml } from '../../i18n.js';
import type { BotContext } from '../context.js';
import { fmtOf } from '../format.js';
import { storeStateLabel } from '../keyboards/store-orders.js';
import { notice } from '../ui.js';

/**
 * Ops staff ship store orders from their private chat:
 *   /ops ship S10001 JD JDV123456789   (paid → shipped; the customer gets the tracking number)
 *   /ops store_delivered S10001        (shipped → delivered)
 * The role is read from the database on every command; anyone else passes on to the ops feature,
 * which treats them as it treats any non-staff sender.
 */
export const storeOpsFeature = new Composer<BotContext>();

const COMMAND = /^\/ops(?:@\w+)?\s+(ship|store_delivered)\b\s*(.*)$/is;

storeOpsFeature.on('message', async (ctx, next) => {
  const text = 'text' in ctx.message ? ctx.message.text : '';
  const m = COMMAND.exec(text);
  if (!m || ctx.chat.type !== 'private' || !(await ctx.deps.services.staff.can(ctx.from.id, 'ops'))) return next();
  const [, command, rest] = m as unknown as [string, string, string];
  const args = rest.trim().split(/\s+/).filter(Boolean);
  const f = fmtOf(ctx);
  const { storeCheckout } = ctx.deps.services;
  const expected = command.toLowerCase() === 'ship' ? 3 : 1;
  if (args.length !== expected) {
    // `/ops ship` alone: the usage and the paid orders waiting for a parcel.
    const waiting = await storeCheckout.awaitingShipment();
    const list = waiting.map((o) =>
      f.t('store.ops.waiting_line', { number: o.number, count: o.items, recipient: escapeHtml(o.recipient ?? ''), address: escapeHtml(o.address ?? '') }),
    );
    return notice(ctx, [f.t('store.ops.usage'), list.length ? f.t('store.ops.waiting', { count: list.length }) : f.t('store.ops.none_waiting'), ...list].join('\n'));
  }
  const order = await storeCheckout.byRef(args[0]!);
  if (!order) return notice(ctx, f.t('store.ops.not_found', { ref: args[0]!.slice(0, 20).replace(/[<>&]/g, '') }));
  const actor = `staff:${ctx.from.id}`;
  try {
    if (expected === 3) {
      const shipped = await storeCheckout.ship(order.id, args[1]!, args[2]!, actor);
      await notice(ctx, f.t('store.ops.shipped', { number: shipped.number, carrier: shipped.carrier, tracking: shipped.trackingNo }));
    } else {
      const delivered = await storeCheckout.deliver(order.id, actor);
      await notice(ctx, f.t('store.ops.delivered', { number: delivered.number }));
    }
  } catch (err) {
    if (!(err instanceof StoreOrderError)) throw err;
    if (err.code === 'bad_tracking') return notice(ctx, f.t('store.ops.bad_tracking'));
    const current = await storeCheckout.byId(order.id);
    await notice(ctx, f.t('store.ops.wrong_state', { number: order.number, state: storeStateLabel(f, current?.state ?? order.state) }));
  }
});
