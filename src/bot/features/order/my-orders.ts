import { Composer } from 'telegraf';
import type { Order } from '../../../db/schema/index.js';
import { cancellationTarget, canPreferWeek } from '../../../domain/orders/transitions.js';
import { localDateKey } from '../../../shared/time.js';
import { weekRange } from '../../../telegram/screens/common.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import type { BookingView } from '../../../domain/bookings/views.js';
import { confirmCancelOrder, orderDetail, orderList, preferWeekPicker } from '../../../telegram/screens/orders.js';
import { storeOrderDetail } from '../../../telegram/screens/store-orders.js';
import { storeInstallInfo } from './store-installation.js';
import { staleButton, type StepRenderer } from '../../steps.js';
import { show } from '../../ui.js';

/** "My orders": every order with its configuration, state and bookings; cancel before delivery. */
const feature = new Composer<BotContext>();
export const myOrdersFeature = forCustomers(feature);

async function showList(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('orders', {});
  const { orders, storeCheckout } = ctx.deps.services;
  await show(ctx, orderList(fmtOf(ctx), await orders.listForCustomer(ctx.account.id), await storeCheckout.listForCustomer(ctx.account.id)), opts);
}

/** A store order with its lines, state, shipping and tracking; another customer's id is "not found". */
export async function showStoreOrder(ctx: BotContext, orderId: number, opts: { fresh: boolean }) {
  const view = await ctx.deps.services.storeCheckout.forCustomer(orderId, ctx.account.id).catch(() => null);
  if (!view) {
    await ctx.toast(ctx.t('store.errors.order_not_found'), true);
    return showList(ctx, { fresh: !ctx.callbackQuery });
  }
  ctx.go('orders.store', { storeOrderId: orderId });
  await show(ctx, storeOrderDetail(fmtOf(ctx), view, await storeInstallInfo(ctx, view)), opts);
}
const showStoreOrderStep: StepRenderer = (ctx, opts) => {
  const shown = ctx.stepData('orders.store');
  return shown ? showStoreOrder(ctx, shown.storeOrderId, opts) : showList(ctx, opts);
};
feature.action(cb.storeOrder.trigger, async (ctx) => {
  const data = cb.storeOrder.read(ctx);
  if (!data) return staleButton(ctx);
  await showStoreOrder(ctx, data.orderId, { fresh: false });
});

/** Bookings of these orders with their slots and centres, for rendering. */
export async function bookingViews(ctx: BotContext, orders: Order[]): Promise<BookingView[]> {
  const { bookings } = ctx.deps.services;
  const active = await bookings.activeFor(orders.map((o) => o.id));
  return Promise.all(active.map(async (b) => ({ ...b, centre: await bookings.centre(b.slot.centreId) })));
}

export async function showOrder(ctx: BotContext, orderId: number, opts: { fresh: boolean }) {
  const order = await ctx.deps.services.orders.forCustomer(orderId, ctx.account.id);
  const cities = await ctx.deps.services.bookings.cities();
  const city = cities.find((c) => c.city === order.city);
  ctx.go('orders.detail', { orderId });
  await show(ctx, orderDetail(fmtOf(ctx), order, await bookingViews(ctx, [order]), city ? fmtOf(ctx).plain(city.cityName) : order.city, ctx.deps.now()), opts);
}
const showOrderStep: StepRenderer = (ctx, opts) => {
  const shown = ctx.stepData('orders.detail');
  return shown ? showOrder(ctx, shown.orderId, opts) : showList(ctx, opts);
};

export { showList as showOrderList };
export const myOrdersRenderers = { orders: showList, 'orders.store': showStoreOrderStep, 'orders.detail': showOrderStep };

feature.command('orders', (ctx) => showList(ctx, { fresh: true }));
feature.action(cb.orders.trigger, (ctx) => showList(ctx, { fresh: false }));

feature.action(cb.orderDetail.trigger, async (ctx) => {
  const data = cb.orderDetail.read(ctx);
  if (!data) return staleButton(ctx);
  await showOrder(ctx, data.orderId, { fresh: false });
});

feature.action(cb.cancelOrder.trigger, async (ctx) => {
  const data = cb.cancelOrder.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  if (!cancellationTarget(order.state)) {
    await ctx.toast(ctx.t('errors.order_not_cancellable'), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  await show(ctx, confirmCancelOrder(fmtOf(ctx), order));
});

/** Where the customer's own cancel leaves an order (cancellationTarget in src/domain/orders/transitions.ts). */
const CANCELLED: readonly Order['state'][] = ['cancelled', 'refund_requested'];

feature.action(cb.cancelOrderConfirm.trigger, async (ctx) => {
  const data = cb.cancelOrderConfirm.read(ctx);
  if (!data) return staleButton(ctx);
  const orders = ctx.deps.services.orders;
  const before = await orders.forCustomer(data.orderId, ctx.account.id);
  // Already cancelled (this press run again after its reply failed, or pressed twice): told as done.
  const rerun = CANCELLED.includes(before.state);
  const order = rerun ? before : await orders.cancelByCustomer(data.orderId, ctx.account.id, `customer:${ctx.from.id}`);
  const f = fmtOf(ctx);
  // Refund requested; cancelled with the deposit kept (no longer refundable under the order's policy); or cancelled unpaid.
  const vars = { number: order.number, deposit: f.money(order.depositFen) };
  const toast =
    order.state === 'refund_requested'
      ? ctx.t('orders.refund_requested', vars)
      : rerun || before.state === 'awaiting_deposit'
        ? ctx.t('orders.cancelled', vars)
        : ctx.t('orders.cancelled_forfeit', vars);
  await ctx.toast(toast, true);
  await showOrder(ctx, order.id, { fresh: false });
});

/** The Mondays a customer may prefer for delivery: eight weeks from the week after next. */
function preferableWeeks(now: Date, timeZone: string): string[] {
  const today = localDateKey(now, timeZone);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const noon = new Date(Date.UTC(y, m - 1, d, 12));
  const toMonday = (noon.getUTCDay() + 6) % 7;
  const firstMonday = noon.getTime() - toMonday * 86_400_000 + 14 * 86_400_000;
  return Array.from({ length: 8 }, (_, i) => new Date(firstMonday + i * 7 * 86_400_000).toISOString().slice(0, 10));
}

/** Before the car is ready: the customer's preferred delivery week (a wish for ops, not a booking). */
feature.action(cb.preferWeek.trigger, async (ctx) => {
  const data = cb.preferWeek.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  if (!canPreferWeek(order.state)) {
    await ctx.toast(ctx.t('orders.prefer_week_closed'), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  await show(ctx, preferWeekPicker(fmtOf(ctx), order, preferableWeeks(ctx.deps.now(), ctx.deps.config.timeZone)));
});

feature.action(cb.preferWeekPick.trigger, async (ctx) => {
  const data = cb.preferWeekPick.read(ctx);
  if (!data || !preferableWeeks(ctx.deps.now(), ctx.deps.config.timeZone).includes(data.date)) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  if (!canPreferWeek(order.state)) {
    await ctx.toast(ctx.t('orders.prefer_week_closed'), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  await ctx.deps.services.orders.setPreferredWeek(order.id, ctx.account.id, data.date);
  await ctx.toast(ctx.t('orders.prefer_week_saved', { week: weekRange(fmtOf(ctx), data.date) }));
  await showOrder(ctx, order.id, { fresh: false });
});
