import type { BookingKind, Order } from '../../../db/schema/index.js';
import { canBookDelivery, canBookInstallation, type OrderState } from '../../../domain/orders/transitions.js';
import { storeInstallable } from '../../../domain/store/rules.js';
import { AppError } from '../../../shared/errors.js';
import { cb } from '../../../telegram/callback-data.js';
import type { BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import * as kb from '../../../telegram/screens/booking.js';
import { fromLiveMenu, show } from '../../ui.js';
import { showOrder, showStoreOrder } from '../order/my-orders.js';
import type { BookingDraft, bookingStepSchemas } from './steps.js';

/**
 * The booking flow's state and screens (the buttons and text that move it are in booking.ts): the
 * draft kept in the conversation state, the order it books for (car or store, checked against the
 * sender), the entry for a car order, and the renderer of every step.
 */

export type { BookingDraft };

/** The flow's steps (the names of bookingStepSchemas in steps.ts). */
type BookingStep = keyof typeof bookingStepSchemas;
const BOOKING_STEPS: BookingStep[] = [
  'booking.city',
  'booking.method',
  'booking.address',
  'booking.centre',
  'booking.parking',
  'booking.permission',
  'booking.day',
  'booking.slot',
];

/** The draft, on a step of the flow (its schema checks there is exactly one order it books for). */
export const draftOf = (ctx: BotContext): BookingDraft | null => ctx.stepData(...BOOKING_STEPS);

/** What the flow needs of the order it books for, car or store. */
export interface Owner {
  number: string;
  /** The city whose centres and installers serve it (a store order: the one the customer picked). */
  city: string | null;
  /** Callback data of the order's screen ("back"). */
  back: string;
  /** Whether it can still take this booking. */
  bookable: boolean;
  car: Order | null;
}

/** The draft's order, checked against the sender (a foreign id throws, as for any forged id). */
export async function ownerOf(ctx: BotContext, draft: BookingDraft): Promise<Owner> {
  if (draft.storeOrderId !== undefined) {
    const view = await ctx.deps.services.storeCheckout.forCustomer(draft.storeOrderId, ctx.account.id);
    return { number: view.order.number, city: draft.city ?? null, back: cb.storeOrder.pack({ orderId: view.order.id }), bookable: storeInstallable(view), car: null };
  }
  const order = await ctx.deps.services.orders.forCustomer(draft.orderId!, ctx.account.id);
  return { number: order.number, city: order.city, back: cb.orderDetail.pack({ orderId: order.id }), bookable: allowed(draft.kind, order.state), car: order };
}

/** Back to the order the draft (or booking) is for. */
export const backToOwner = (ctx: BotContext, owner: { orderId?: number | null; storeOrderId?: number | null }) =>
  owner.storeOrderId ? showStoreOrder(ctx, owner.storeOrderId, { fresh: false }) : showOrder(ctx, owner.orderId!, { fresh: false });

export const allowed = (kind: BookingKind, state: OrderState) => (kind === 'delivery' ? canBookDelivery(state) : canBookInstallation(state));

/** Entry for one order: refused when the order is not the sender's or not in a bookable state. */
export async function start(ctx: BotContext, kind: BookingKind, orderId: number) {
  const order = await ctx.deps.services.orders.forCustomer(orderId, ctx.account.id);
  if (!allowed(kind, order.state)) {
    await ctx.toast(ctx.t(`booking.not_bookable_${kind}`), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  const [existing] = (await ctx.deps.services.bookings.activeFor([order.id])).filter((b) => b.kind === kind);
  if (existing) {
    await ctx.toast(ctx.t('booking.already_booked'), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  if (kind === 'delivery') {
    ctx.go('booking.method', { orderId: order.id, kind });
  } else {
    // Eligibility first (parking, property permission), the address after: nobody types an address to be told no.
    ctx.go('booking.parking', { orderId: order.id, kind });
  }
  await render(ctx, { fresh: false });
}

async function cityName(ctx: BotContext, city: string) {
  const found = (await ctx.deps.services.bookings.cities()).find((c) => c.city === city);
  return found ? fmtOf(ctx).plain(found.cityName) : city;
}

/** Renders whatever step of the booking flow the chat is on. */
export async function render(ctx: BotContext, opts: { fresh: boolean }): Promise<void> {
  const draft = draftOf(ctx);
  if (!draft) {
    ctx.go('menu', {});
    return show(ctx, { text: ctx.t('stale.flow_reset') }, opts);
  }
  const f = fmtOf(ctx);
  const owner = await ownerOf(ctx, draft);
  const { bookings } = ctx.deps.services;
  if (owner.city === null && ctx.session.step !== 'booking.city') ctx.go('booking.city', draft);
  switch (ctx.session.step) {
    case 'booking.city':
      return show(ctx, kb.cityPicker(f, await bookings.cities(), owner.number, owner.back), opts);
    case 'booking.method':
      return show(ctx, kb.deliveryMethod(f, owner.car!, await cityName(ctx, owner.car!.city)), opts);
    case 'booking.address':
      return show(ctx, kb.askAddress(f, draft.kind, owner.back), opts);
    case 'booking.centre':
      return show(ctx, kb.centrePicker(f, await bookings.centresIn(owner.city!), owner.back), opts);
    case 'booking.parking':
      return show(ctx, kb.parkingPicker(f, owner.back, owner.car !== null), opts);
    case 'booking.permission':
      return show(ctx, kb.permissionPicker(f, owner.back), opts);
    case 'booking.slot': {
      if (draft.centreId && draft.date) {
        const slots = await bookings.freeSlotsOn(draft.kind, draft.centreId, draft.date);
        return show(ctx, kb.slotPicker(f, draft.kind, draft.date, slots, owner.back), opts);
      }
      ctx.go('booking.day', draft);
      return render(ctx, opts);
    }
    default: {
      // booking.day
      const centreId = draft.centreId ?? (await bookings.centresIn(owner.city!))[0]?.id;
      if (!centreId) throw new AppError('no_centre', `no centre in ${owner.city}`);
      ctx.go('booking.day', { ...draft, centreId });
      const centre = await bookings.centre(centreId);
      const question = draft.kind === 'installation' ? 'installation' : draft.method === 'pickup' ? 'pickup' : 'home';
      const days = await bookings.availableDays(draft.kind, centreId);
      return show(ctx, kb.dayPicker(f, question, days, owner.back, centre ? f.text(centre.name) : ''), opts);
    }
  }
}

export const bookingRenderers = {
  'booking.city': render,
  'booking.method': render,
  'booking.address': render,
  'booking.centre': render,
  'booking.parking': render,
  'booking.permission': render,
  'booking.day': render,
  'booking.slot': render,
};

/** A flow button is live only on its own step and on the chat's live menu message. */
export const onStep = (ctx: BotContext, step: string) => ctx.session.step === `booking.${step}` && fromLiveMenu(ctx) && !!draftOf(ctx);
