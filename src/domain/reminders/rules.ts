import type { Booking, Installation, InstallationState, Order, Slot } from '../../db/schema/index.js';
import type { OrderState } from '../orders/index.js';
import { sendableAt } from './quiet-hours.js';
import type { NotifiedOrderState, PlannedReminder, Reminder, ReminderChanges } from './types.js';

/**
 * Which reminders and notifications a domain event implies, with their deterministic job ids and
 * due times. Pure: the BullMQ side (src/jobs/reminders/) turns the result into queue operations.
 *
 * Job ids contain no ':' (BullMQ uses it as its key separator) and name the booking or order, so
 * a rescheduled or cancelled booking's jobs can be found and removed, and BullMQ's rule that an
 * id is added once keeps any reminder from being queued twice.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEPOSIT_REMINDERS = [
  { step: 't30m', after: 30 * MINUTE },
  { step: 't24h', after: 24 * HOUR },
] as const;
export const EXPIRE_AFTER_MS = 72 * HOUR;
export const DELIVERY_REMINDERS = [
  { step: 't24h', before: 24 * HOUR },
  { step: 't2h', before: 2 * HOUR },
] as const;
export const INSTALLATION_REMINDER_BEFORE_MS = 24 * HOUR;
export const CHECKIN_AFTER_MS = 3 * DAY;

/** The job id of a reminder: equal reminders get equal ids. */
export function reminderId(r: Reminder): string {
  switch (r.kind) {
    case 'deposit':
      return `reminder-deposit-${r.orderId}-${r.step}`;
    case 'expire-order':
      return `expire-order-${r.orderId}-t72h`;
    case 'delivery':
      return `reminder-delivery-${r.bookingId}-${r.step}`;
    case 'installation':
      return `reminder-installation-${r.bookingId}-t24h`;
    case 'store-installation':
      return `reminder-store-installation-${r.bookingId}-t24h`;
    case 'checkin':
      return `checkin-${r.orderId}-d3`;
    case 'notify-order':
      return `notify-order-${r.orderId}-${r.state}`;
    case 'notify-installation':
      return `notify-installation-${r.installationId}-installed`;
  }
}

/**
 * Not held back by quiet hours: the 2-hour delivery reminder (the van is on its way; waiting
 * until 08:00 would be after the slot), and the expiry itself, which sends nothing (the message
 * telling the customer is its own notification, and that one waits).
 */
export const ignoresQuietHours = (r: Reminder): boolean => r.kind === 'expire-order' || (r.kind === 'delivery' && r.step === 't2h');

export interface PlanClock {
  now: Date;
  timeZone: string;
}

function plan(reminder: Reminder, due: Date, clock: PlanClock): PlannedReminder {
  return { id: reminderId(reminder), reminder, dueAt: sendableAt(due, clock.timeZone, ignoresQuietHours(reminder)) };
}

const depositIds = (orderId: number, withExpiry: boolean): string[] => [
  ...DEPOSIT_REMINDERS.map((d) => reminderId({ kind: 'deposit', orderId, step: d.step, expiresAt: 0 })),
  ...(withExpiry ? [reminderId({ kind: 'expire-order', orderId })] : []),
];

/** A new unpaid order: remind at 30 min and 24 h, expire at 72 h (all counted from now). */
export function onOrderCreated(order: Pick<Order, 'id'>, clock: PlanClock): ReminderChanges {
  const t = clock.now.getTime();
  const expiresAt = t + EXPIRE_AFTER_MS;
  return {
    add: [
      ...DEPOSIT_REMINDERS.map((d) => plan({ kind: 'deposit', orderId: order.id, step: d.step, expiresAt }, new Date(t + d.after), clock)),
      plan({ kind: 'expire-order', orderId: order.id }, new Date(expiresAt), clock),
    ],
    remove: [],
  };
}

/** Whether a change to `to` is one the customer hears about from us (not one they made in chat). */
export function notifies(from: OrderState | null, to: OrderState): to is NotifiedOrderState {
  switch (to) {
    case 'vehicle_allocated':
    case 'delivered':
    case 'expired':
    case 'refunded':
      return true;
    case 'ready_for_delivery':
      // Back from delivery_scheduled means the customer cancelled their slot: nothing to announce.
      return from === 'vehicle_allocated';
    default:
      return false;
  }
}

/**
 * An order changed state. Leaving awaiting_deposit (paid, cancelled or expired) ends the deposit
 * reminders; the expiry job is left alone when it is the one expiring the order (it is running).
 */
export function onOrderStateChanged(order: Pick<Order, 'id' | 'deliveredAt'>, from: OrderState | null, to: OrderState, clock: PlanClock): ReminderChanges {
  const changes: ReminderChanges = { add: [], remove: [] };
  if (from === 'awaiting_deposit') changes.remove.push(...depositIds(order.id, to !== 'expired'));
  if (notifies(from, to)) changes.add.push(plan({ kind: 'notify-order', orderId: order.id, state: to }, clock.now, clock));
  if (to === 'delivered') {
    const deliveredAt = order.deliveredAt ?? clock.now;
    changes.add.push(plan({ kind: 'checkin', orderId: order.id }, new Date(deliveredAt.getTime() + CHECKIN_AFTER_MS), clock));
  }
  return changes;
}

/** What the rules need of a booking: a store order's (store_order_id set) is an installation without a car order. */
type BookingRef = Pick<Booking, 'id' | 'kind'> & Partial<Pick<Booking, 'storeOrderId'>>;

/** The one installation reminder a booking gets: a car order's, or a store order's (read differently when it fires). */
const installationReminder = (booking: BookingRef): Reminder =>
  booking.storeOrderId != null ? { kind: 'store-installation', bookingId: booking.id } : { kind: 'installation', bookingId: booking.id };

/** Every job id a booking can have (whatever reminders it actually got). */
export function bookingReminderIds(booking: BookingRef): string[] {
  if (booking.kind === 'installation') return [reminderId(installationReminder(booking))];
  return DELIVERY_REMINDERS.map((d) => reminderId({ kind: 'delivery', bookingId: booking.id, step: d.step }));
}

/**
 * Reminders before a booked slot. One whose time has already passed is skipped (a slot booked
 * 5 hours ahead gets no "tomorrow" reminder), as is one pushed by quiet hours to the slot itself.
 */
export function bookingReminders(booking: BookingRef & { slot: Pick<Slot, 'startsAt'> }, clock: PlanClock): PlannedReminder[] {
  const start = booking.slot.startsAt.getTime();
  const candidates: Array<{ reminder: Reminder; due: number }> =
    booking.kind === 'installation'
      ? [{ reminder: installationReminder(booking), due: start - INSTALLATION_REMINDER_BEFORE_MS }]
      : DELIVERY_REMINDERS.map((d) => ({ reminder: { kind: 'delivery', bookingId: booking.id, step: d.step }, due: start - d.before }));
  return candidates
    .filter((c) => c.due > clock.now.getTime())
    .map((c) => plan(c.reminder, new Date(c.due), clock))
    .filter((p) => p.dueAt.getTime() < start);
}

/**
 * A booking was made; a reschedule (`replaced` set) moves the reminders to the new slot. The
 * replaced booking had the same owner (a reschedule keeps the order), so the same kind of ids.
 */
export function onBookingMade(booking: BookingRef & { slot: Pick<Slot, 'startsAt'> }, replaced: number | null, clock: PlanClock): ReminderChanges {
  return {
    add: bookingReminders(booking, clock),
    remove: replaced === null ? [] : bookingReminderIds({ id: replaced, kind: booking.kind, storeOrderId: booking.storeOrderId }),
  };
}

export function onBookingCancelled(booking: BookingRef): ReminderChanges {
  return { add: [], remove: bookingReminderIds(booking) };
}

export function onInstallationChanged(installation: Pick<Installation, 'id'>, to: InstallationState, clock: PlanClock): ReminderChanges {
  if (to !== 'installed') return { add: [], remove: [] };
  return { add: [plan({ kind: 'notify-installation', installationId: installation.id }, clock.now, clock)], remove: [] };
}
