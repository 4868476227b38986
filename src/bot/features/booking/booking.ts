import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { normalizeAddress } from '../../../domain/customers/validation.js';
import { storeInstallable } from '../../../domain/store/rules.js';
import { AppError } from '../../../shared/errors.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import * as kb from '../../../telegram/screens/booking.js';
import { staleButton } from '../../steps.js';
import { notice, show } from '../../ui.js';
import { allowed, backToOwner, draftOf, onStep, ownerOf, render, start, type BookingDraft } from './booking-flow.js';
import { showStoreOrder } from '../order/my-orders.js';

/**
 * Booking delivery (home or pickup at a centre of the order's city; once the car is ready) and
 * charger installation (parking and property permission first, then the address), then a day and a slot with room. Also reschedule and
 * cancel. The flow's choices live in the conversation state as `BookingDraft`.
 *
 * An installation belongs to a car order, or (a Wall Connector bought in the store by a customer
 * without a car order that can take it) to a store order: then the draft has `storeOrderId`, the
 * city is asked first (a store order has none), and "back" leads to the store order.
 *
 * The draft, the order behind it and the screens of each step are in booking-flow.ts.
 */
const feature = new Composer<BotContext>();
export const bookingFlowFeature = forCustomers(feature);

feature.action(cb.bookPick.trigger, async (ctx) => {
  const data = cb.bookPick.read(ctx);
  if (!data) return staleButton(ctx);
  const orders = (await ctx.deps.services.orders.listForCustomer(ctx.account.id)).filter((o) => allowed(data.kind, o.state));
  if (orders.length === 1) return start(ctx, data.kind, orders[0]!.id);
  ctx.go('menu', {});
  await show(ctx, kb.pickOrder(fmtOf(ctx), data.kind, orders));
});

feature.action(cb.bookDelivery.trigger, async (ctx) => {
  const data = cb.bookDelivery.read(ctx);
  if (!data) return staleButton(ctx);
  await start(ctx, 'delivery', data.orderId);
});

feature.action(cb.bookInstallation.trigger, async (ctx) => {
  const data = cb.bookInstallation.read(ctx);
  if (!data) return staleButton(ctx);
  await start(ctx, 'installation', data.orderId);
});

/** A store order's Wall Connector: its installation, when no car order takes it. */
feature.action(cb.storeInstall.trigger, async (ctx) => {
  const data = cb.storeInstall.read(ctx);
  if (!data) return staleButton(ctx);
  const { storeCheckout, bookings } = ctx.deps.services;
  const view = await storeCheckout.forCustomer(data.orderId, ctx.account.id).catch(() => null);
  if (!view) {
    await ctx.toast(ctx.t('store.errors.order_not_found'), true);
    return showStoreOrder(ctx, data.orderId, { fresh: false });
  }
  if (!storeInstallable(view)) {
    await ctx.toast(ctx.t('booking.not_bookable_installation'), true);
    return showStoreOrder(ctx, view.order.id, { fresh: false });
  }
  if (await bookings.activeForStoreOrder(view.order.id)) {
    await ctx.toast(ctx.t('booking.already_booked'), true);
    return showStoreOrder(ctx, view.order.id, { fresh: false });
  }
  const cities = await bookings.cities();
  const only = cities.length === 1 ? cities[0]!.city : undefined;
  ctx.go(only ? 'booking.parking' : 'booking.city', { storeOrderId: view.order.id, kind: 'installation', city: only });
  await render(ctx, { fresh: false });
});

feature.action(cb.bookCity.trigger, async (ctx) => {
  const data = cb.bookCity.read(ctx);
  if (!data || !onStep(ctx, 'city')) return staleButton(ctx);
  if (!(await ctx.deps.services.bookings.cities()).some((c) => c.city === data.city)) return staleButton(ctx);
  ctx.go('booking.parking', { ...draftOf(ctx)!, city: data.city });
  await render(ctx, { fresh: false });
});

feature.action(cb.deliveryMethod.trigger, async (ctx) => {
  const data = cb.deliveryMethod.read(ctx);
  if (!data || !onStep(ctx, 'method')) return staleButton(ctx);
  const draft = draftOf(ctx)!;
  if (data.method === 'home') {
    ctx.go('booking.address', { ...draft, method: 'home' });
  } else {
    const order = await ctx.deps.services.orders.forCustomer(draft.orderId!, ctx.account.id);
    const centres = await ctx.deps.services.bookings.centresIn(order.city);
    const only = centres.length === 1 ? centres[0]!.id : undefined;
    ctx.go(only ? 'booking.day' : 'booking.centre', { ...draft, method: 'pickup', centreId: only });
  }
  await render(ctx, { fresh: false });
});

feature.action(cb.centre.trigger, async (ctx) => {
  const data = cb.centre.read(ctx);
  if (!data || !onStep(ctx, 'centre')) return staleButton(ctx);
  const draft = draftOf(ctx)!;
  const owner = await ownerOf(ctx, draft);
  const centre = (await ctx.deps.services.bookings.centresIn(owner.city ?? '')).find((c) => c.id === data.centreId);
  if (!centre) return staleButton(ctx);
  ctx.go('booking.day', { ...draft, centreId: centre.id });
  await render(ctx, { fresh: false });
});

feature.on(message('text'), async (ctx, next) => {
  if (ctx.session.step !== 'booking.address' || !draftOf(ctx) || ctx.message.text.startsWith('/')) return next();
  const address = normalizeAddress(ctx.message.text);
  if (!address) return notice(ctx, ctx.t('booking.bad_address'));
  const draft = draftOf(ctx)!;
  ctx.go('booking.day', { ...draft, address });
  await render(ctx, { fresh: true });
});

feature.action(cb.parking.trigger, async (ctx) => {
  const data = cb.parking.read(ctx);
  if (!data || !onStep(ctx, 'parking')) return staleButton(ctx);
  const draft = draftOf(ctx)!;
  if (data.parking === 'none') {
    const owner = await ownerOf(ctx, draft);
    ctx.go('menu', {});
    return show(ctx, kb.installationBlocked(fmtOf(ctx), 'no_parking', owner.back));
  }
  ctx.go('booking.permission', { ...draft, parking: data.parking });
  await render(ctx, { fresh: false });
});

feature.action(cb.permission.trigger, async (ctx) => {
  const data = cb.permission.read(ctx);
  if (!data || !onStep(ctx, 'permission')) return staleButton(ctx);
  const draft = draftOf(ctx)!;
  if (data.answer === 'no') {
    const owner = await ownerOf(ctx, draft);
    ctx.go('menu', {});
    return show(ctx, kb.installationBlocked(fmtOf(ctx), 'no_permission', owner.back));
  }
  ctx.go('booking.address', { ...draft, permission: true });
  await render(ctx, { fresh: false });
});

feature.action(cb.days.trigger, async (ctx) => {
  if (!onStep(ctx, 'slot') && !onStep(ctx, 'day')) return staleButton(ctx);
  ctx.go('booking.day', { ...draftOf(ctx)!, date: undefined });
  await render(ctx, { fresh: false });
});

feature.action(cb.day.trigger, async (ctx) => {
  const data = cb.day.read(ctx);
  if (!data || !onStep(ctx, 'day')) return staleButton(ctx);
  ctx.go('booking.slot', { ...draftOf(ctx)!, date: data.date });
  await render(ctx, { fresh: false });
});

feature.action(cb.slot.trigger, async (ctx) => {
  const data = cb.slot.read(ctx);
  if (!data || !onStep(ctx, 'slot')) return staleButton(ctx);
  const draft = draftOf(ctx)!;
  const owner = await ownerOf(ctx, draft);
  if (!owner.bookable) return staleButton(ctx);
  try {
    const booking = await ctx.deps.services.bookings.book({
      orderId: draft.orderId ?? null,
      storeOrderId: draft.storeOrderId ?? null,
      kind: draft.kind,
      slotId: data.slotId,
      centreId: draft.centreId!,
      method: draft.method,
      address: draft.address,
      parking: draft.parking,
      permission: draft.permission,
      replaces: draft.replaces,
      actor: `customer:${ctx.account.telegramId}`,
    });
    ctx.log.info({ orderId: draft.orderId, storeOrderId: draft.storeOrderId, bookingId: booking.id, slotId: booking.slotId }, 'booked');
    const view = { ...booking, centre: await ctx.deps.services.bookings.centre(booking.slot.centreId) };
    ctx.go('menu', {});
    await show(ctx, kb.booked(fmtOf(ctx), owner.number, owner.back, view, draft.replaces !== undefined));
  } catch (err) {
    if (err instanceof AppError && (err.code === 'slot_full' || err.code === 'slot_unavailable')) {
      await ctx.toast(ctx.t('booking.slot_taken'), true);
      return render(ctx, { fresh: false });
    }
    throw err;
  }
});

feature.action(cb.reschedule.trigger, async (ctx) => {
  const data = cb.reschedule.read(ctx);
  if (!data) return staleButton(ctx);
  const booking = await ctx.deps.services.bookings.forCustomer(data.bookingId, ctx.account.id);
  if (booking.state !== 'active') return staleButton(ctx);
  await ctx.deps.services.bookings.assertChangeable(booking);
  const draft: BookingDraft = {
    orderId: booking.orderId ?? undefined,
    storeOrderId: booking.storeOrderId ?? undefined,
    // A store order has no city of its own: the booked slot's centre says which.
    city: booking.storeOrderId ? (await ctx.deps.services.bookings.centre(booking.slot.centreId))?.city : undefined,
    kind: booking.kind,
    method: booking.method ?? undefined,
    centreId: booking.slot.centreId,
    address: booking.address ?? undefined,
    parking: booking.parking ?? undefined,
    permission: booking.permission ?? undefined,
    replaces: booking.id,
  };
  ctx.go('booking.day', draft);
  await render(ctx, { fresh: false });
});

feature.action(cb.cancelBooking.trigger, async (ctx) => {
  const data = cb.cancelBooking.read(ctx);
  if (!data) return staleButton(ctx);
  const booking = await ctx.deps.services.bookings.forCustomer(data.bookingId, ctx.account.id);
  if (booking.state !== 'active') return backToOwner(ctx, booking);
  await ctx.deps.services.bookings.assertChangeable(booking);
  const centre = await ctx.deps.services.bookings.centre(booking.slot.centreId);
  await show(ctx, kb.confirmCancelBooking(fmtOf(ctx), { ...booking, centre }));
});

feature.action(cb.cancelBookingConfirm.trigger, async (ctx) => {
  const data = cb.cancelBookingConfirm.read(ctx);
  if (!data) return staleButton(ctx);
  const bookings = ctx.deps.services.bookings;
  const seen = await bookings.forCustomer(data.bookingId, ctx.account.id);
  // Already cancelled (this press run again after its reply failed, or pressed twice): told as done.
  const booking = seen.state === 'cancelled' ? seen : await bookings.cancel(data.bookingId, ctx.account.id, `customer:${ctx.account.telegramId}`);
  await ctx.toast(ctx.t('booking.cancelled'));
  await backToOwner(ctx, booking);
});
