import { canBookDelivery, type OrderState } from '../orders/index.js';
import { INSTALLABLE_STATES } from '../store/index.js';
import type { CarReminder, ReminderContext, StoreInstallationContext } from './repository.js';
import type { NotifiedOrderState } from './types.js';

/** Why a reminder that fired is not sent after all. */
export type SkipReason =
  | 'gone'
  | 'blocked'
  | 'order_paid_or_closed'
  | 'booking_cancelled'
  | 'order_moved_on'
  | 'slot_passed'
  | 'installation_not_scheduled'
  | 'not_installed'
  | 'already_rated'
  | 'state_changed';

/**
 * Re-checks a fired reminder against the database as it is now. A job cannot know that the deposit
 * was paid or the booking cancelled after it was queued (its removal may have failed, or raced
 * the firing), so the reason is checked here, every time: null means "send it".
 */
export function skipReason(r: CarReminder, ctx: ReminderContext | null, now: Date): SkipReason | null {
  if (!ctx) return 'gone';
  const state = ctx.order.state;
  // The expiry acts on the order even for a customer we cannot reach.
  if (r.kind === 'expire-order') return state === 'awaiting_deposit' ? null : 'order_paid_or_closed';
  if (ctx.customer.blocked) return 'blocked';
  switch (r.kind) {
    case 'deposit':
      return state === 'awaiting_deposit' ? null : 'order_paid_or_closed';
    case 'delivery': {
      if (!ctx.booking || ctx.booking.state !== 'active') return 'booking_cancelled';
      if (!canBookDelivery(state)) return 'order_moved_on';
      return ctx.booking.slot.startsAt.getTime() > now.getTime() ? null : 'slot_passed';
    }
    case 'installation': {
      if (!ctx.booking || ctx.booking.state !== 'active') return 'booking_cancelled';
      if (ctx.installation?.state !== 'scheduled') return 'installation_not_scheduled';
      return ctx.booking.slot.startsAt.getTime() > now.getTime() ? null : 'slot_passed';
    }
    case 'checkin':
      if (state !== 'delivered') return 'order_moved_on';
      return ctx.rated ? 'already_rated' : null;
    case 'notify-order':
      return notificationStillTrue(r.state, state) ? null : 'state_changed';
    case 'notify-installation':
      return ctx.installation?.state === 'installed' ? null : 'not_installed';
  }
}

/**
 * The same re-check for a store order's installation reminder: the booking still live, the
 * installation still scheduled, the order not refunded or cancelled, the slot still ahead.
 */
export function storeInstallationSkipReason(ctx: StoreInstallationContext | null, now: Date): SkipReason | null {
  if (!ctx) return 'gone';
  if (ctx.customer.blocked) return 'blocked';
  if (ctx.booking.state !== 'active') return 'booking_cancelled';
  if (ctx.installation?.state !== 'scheduled') return 'installation_not_scheduled';
  if (!INSTALLABLE_STATES.includes(ctx.storeOrder.state)) return 'order_moved_on';
  return ctx.booking.slot.startsAt.getTime() > now.getTime() ? null : 'slot_passed';
}

/**
 * A notice may be late (quiet hours, retries), so the order may have moved on: news of an
 * allocation is still worth sending once the car is ready, but not once the order is cancelled.
 */
function notificationStillTrue(notified: NotifiedOrderState, state: OrderState): boolean {
  switch (notified) {
    case 'vehicle_allocated':
      return ['vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled'].includes(state);
    case 'ready_for_delivery':
      return state === 'ready_for_delivery' || state === 'delivery_scheduled';
    case 'delivered':
      return state === 'delivered';
    case 'expired':
    case 'refunded':
      return state === notified;
  }
}
