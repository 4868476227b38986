import { describe, expect, it } from 'vitest';
import {
  bookingReminderIds,
  ignoresQuietHours,
  notifies,
  onBookingCancelled,
  onBookingMade,
  onInstallationChanged,
  onOrderCreated,
  onOrderStateChanged,
  reminderId,
} from '../../src/domain/reminders/rules.js';
import type { PlannedReminder, Reminder } from '../../src/domain/reminders/types.js';
import { orderStates } from '../../src/domain/orders/transitions.js';

const TZ = 'Asia/Shanghai';
const sh = (local: string) => new Date(`${local}+08:00`);
const clock = (local: string) => ({ now: sh(local), timeZone: TZ });
const due = (plans: PlannedReminder[]) => Object.fromEntries(plans.map((p) => [p.id, p.dueAt.toISOString()]));
const iso = (local: string) => sh(local).toISOString();

const delivery = (id: number, startsAt: string) => ({ id, kind: 'delivery' as const, slot: { startsAt: sh(startsAt) } });
const installation = (id: number, startsAt: string) => ({ id, kind: 'installation' as const, slot: { startsAt: sh(startsAt) } });

describe('job ids', () => {
  const all: Reminder[] = [
    { kind: 'deposit', orderId: 42, step: 't30m', expiresAt: 0 },
    { kind: 'deposit', orderId: 42, step: 't24h', expiresAt: 0 },
    { kind: 'expire-order', orderId: 42 },
    { kind: 'delivery', bookingId: 7, step: 't24h' },
    { kind: 'delivery', bookingId: 7, step: 't2h' },
    { kind: 'installation', bookingId: 8 },
    { kind: 'store-installation', bookingId: 9 },
    { kind: 'checkin', orderId: 42 },
    { kind: 'notify-order', orderId: 42, state: 'vehicle_allocated' },
    { kind: 'notify-installation', installationId: 3 },
  ];

  it('are deterministic, distinct, and never contain ":"', () => {
    const ids = all.map(reminderId);
    expect(ids).toEqual([
      'reminder-deposit-42-t30m',
      'reminder-deposit-42-t24h',
      'expire-order-42-t72h',
      'reminder-delivery-7-t24h',
      'reminder-delivery-7-t2h',
      'reminder-installation-8-t24h',
      'reminder-store-installation-9-t24h',
      'checkin-42-d3',
      'notify-order-42-vehicle_allocated',
      'notify-installation-3-installed',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).not.toContain(':');
    // The payload beyond the ids does not change the id (the deposit's expiry time is data).
    expect(reminderId({ kind: 'deposit', orderId: 42, step: 't30m', expiresAt: 123 })).toBe('reminder-deposit-42-t30m');
  });

  it('only the 2-hour delivery reminder and the expiry itself ignore quiet hours', () => {
    expect(all.filter(ignoresQuietHours).map(reminderId)).toEqual(['expire-order-42-t72h', 'reminder-delivery-7-t2h']);
  });
});

describe('deposit reminders and expiry', () => {
  it('an order placed in the afternoon: reminders at 30 min and 24 h, expiry at 72 h', () => {
    const changes = onOrderCreated({ id: 5 }, clock('2026-03-10T14:00:00'));
    expect(changes.remove).toEqual([]);
    expect(due(changes.add)).toEqual({
      'reminder-deposit-5-t30m': iso('2026-03-10T14:30:00'),
      'reminder-deposit-5-t24h': iso('2026-03-11T14:00:00'),
      'expire-order-5-t72h': iso('2026-03-13T14:00:00'),
    });
    // The reminders know when the order expires, to say so.
    const first = changes.add[0]!.reminder;
    expect(first).toMatchObject({ kind: 'deposit', step: 't30m', expiresAt: sh('2026-03-13T14:00:00').getTime() });
  });

  it('an order placed at 21:45: the 30-minute reminder waits until 08:00, the 24-hour one does not need to', () => {
    expect(due(onOrderCreated({ id: 6 }, clock('2026-03-10T21:45:00')).add)).toEqual({
      'reminder-deposit-6-t30m': iso('2026-03-11T08:00:00'),
      'reminder-deposit-6-t24h': iso('2026-03-11T21:45:00'),
      'expire-order-6-t72h': iso('2026-03-13T21:45:00'),
    });
  });

  it('an order placed at 23:10: both reminders wait until 08:00, the expiry does not', () => {
    expect(due(onOrderCreated({ id: 7 }, clock('2026-03-10T23:10:00')).add)).toEqual({
      'reminder-deposit-7-t30m': iso('2026-03-11T08:00:00'),
      'reminder-deposit-7-t24h': iso('2026-03-12T08:00:00'),
      'expire-order-7-t72h': iso('2026-03-13T23:10:00'),
    });
  });

  it('paying or cancelling removes the reminders and the expiry; expiring keeps the running expiry job', () => {
    const c = clock('2026-03-10T12:00:00');
    const order = { id: 9, deliveredAt: null };
    const all = ['reminder-deposit-9-t30m', 'reminder-deposit-9-t24h', 'expire-order-9-t72h'];
    expect(onOrderStateChanged(order, 'awaiting_deposit', 'deposit_paid', c)).toEqual({ add: [], remove: all });
    expect(onOrderStateChanged(order, 'awaiting_deposit', 'cancelled', c)).toEqual({ add: [], remove: all });
    const expired = onOrderStateChanged(order, 'awaiting_deposit', 'expired', c);
    expect(expired.remove).toEqual(all.slice(0, 2));
    expect(expired.add.map((p) => p.id)).toEqual(['notify-order-9-expired']);
  });
});

describe('notices of state changes', () => {
  it('the customer hears about allocation, readiness, delivery, expiry and refund, not their own moves', () => {
    const told = orderStates.filter((to) => notifies('vehicle_allocated', to) || notifies(null, to));
    expect(told.sort()).toEqual(['delivered', 'expired', 'ready_for_delivery', 'refunded', 'vehicle_allocated'].sort());
    // Ready again because they cancelled their delivery slot: they did it, no notice.
    expect(notifies('delivery_scheduled', 'ready_for_delivery')).toBe(false);
    expect(notifies('vehicle_allocated', 'ready_for_delivery')).toBe(true);
    expect(notifies('awaiting_deposit', 'deposit_paid')).toBe(false);
  });

  it('a notice is due now, or at 08:00 when the change happens at night', () => {
    const order = { id: 3, deliveredAt: null };
    expect(due(onOrderStateChanged(order, 'deposit_paid', 'vehicle_allocated', clock('2026-03-10T15:20:00')).add)).toEqual({
      'notify-order-3-vehicle_allocated': iso('2026-03-10T15:20:00'),
    });
    expect(due(onOrderStateChanged(order, 'deposit_paid', 'vehicle_allocated', clock('2026-03-10T23:20:00')).add)).toEqual({
      'notify-order-3-vehicle_allocated': iso('2026-03-11T08:00:00'),
    });
  });

  it('delivery: a welcome now and a check-in three days after the handover', () => {
    const order = { id: 4, deliveredAt: sh('2026-03-10T16:00:00') };
    const changes = onOrderStateChanged(order, 'delivery_scheduled', 'delivered', clock('2026-03-10T16:00:05'));
    expect(due(changes.add)).toEqual({
      'notify-order-4-delivered': iso('2026-03-10T16:00:05'),
      'checkin-4-d3': iso('2026-03-13T16:00:00'),
    });
    // Handed over at 22:30: the check-in three days later waits for the morning.
    const late = onOrderStateChanged({ id: 4, deliveredAt: sh('2026-03-10T22:30:00') }, 'delivery_scheduled', 'delivered', clock('2026-03-10T22:30:00'));
    expect(due(late.add)['checkin-4-d3']).toBe(iso('2026-03-14T08:00:00'));
  });

  it('installed chargers are announced; other installation changes are not', () => {
    expect(onInstallationChanged({ id: 11 }, 'installed', clock('2026-03-10T10:00:00')).add.map((p) => p.id)).toEqual(['notify-installation-11-installed']);
    expect(onInstallationChanged({ id: 11 }, 'scheduled', clock('2026-03-10T10:00:00'))).toEqual({ add: [], remove: [] });
    expect(onInstallationChanged({ id: 11 }, 'cancelled', clock('2026-03-10T10:00:00'))).toEqual({ add: [], remove: [] });
  });
});

describe('booking reminders', () => {
  it('delivery at 10:00: 24 h and 2 h before', () => {
    const changes = onBookingMade(delivery(21, '2026-03-14T10:00:00'), null, clock('2026-03-10T12:00:00'));
    expect(changes.remove).toEqual([]);
    expect(due(changes.add)).toEqual({
      'reminder-delivery-21-t24h': iso('2026-03-13T10:00:00'),
      'reminder-delivery-21-t2h': iso('2026-03-14T08:00:00'),
    });
  });

  it('delivery at 09:00: the 2-hour reminder goes at 07:00 despite quiet hours', () => {
    expect(due(onBookingMade(delivery(22, '2026-03-14T09:00:00'), null, clock('2026-03-10T12:00:00')).add)).toEqual({
      'reminder-delivery-22-t24h': iso('2026-03-13T09:00:00'),
      'reminder-delivery-22-t2h': iso('2026-03-14T07:00:00'),
    });
  });

  it('a slot booked less than 24 h ahead gets only the 2-hour reminder; one under 2 h ahead gets none', () => {
    expect(Object.keys(due(onBookingMade(delivery(23, '2026-03-10T18:00:00'), null, clock('2026-03-10T12:00:00')).add))).toEqual(['reminder-delivery-23-t2h']);
    expect(onBookingMade(delivery(24, '2026-03-10T13:30:00'), null, clock('2026-03-10T12:00:00')).add).toEqual([]);
  });

  it('rescheduling removes the replaced booking’s reminders and plans the new slot’s', () => {
    const changes = onBookingMade(delivery(31, '2026-03-16T14:00:00'), 30, clock('2026-03-10T12:00:00'));
    expect(changes.remove).toEqual(['reminder-delivery-30-t24h', 'reminder-delivery-30-t2h']);
    expect(changes.add.map((p) => p.id)).toEqual(['reminder-delivery-31-t24h', 'reminder-delivery-31-t2h']);
    const inst = onBookingMade(installation(41, '2026-03-16T14:00:00'), 40, clock('2026-03-10T12:00:00'));
    expect(inst.remove).toEqual(['reminder-installation-40-t24h']);
  });

  it('installation: 24 h before; cancelling removes it', () => {
    expect(due(onBookingMade(installation(51, '2026-03-14T14:00:00'), null, clock('2026-03-10T12:00:00')).add)).toEqual({
      'reminder-installation-51-t24h': iso('2026-03-13T14:00:00'),
    });
    expect(onBookingCancelled({ id: 51, kind: 'installation' })).toEqual({ add: [], remove: ['reminder-installation-51-t24h'] });
    expect(onBookingCancelled({ id: 21, kind: 'delivery' })).toEqual({ add: [], remove: bookingReminderIds({ id: 21, kind: 'delivery' }) });
  });

  it('a store order’s installation (no car order): its own reminder 24 h before, moved on reschedule, removed on cancel', () => {
    const store = (id: number, startsAt: string) => ({ ...installation(id, startsAt), storeOrderId: 5 });
    expect(due(onBookingMade(store(61, '2026-03-14T14:00:00'), null, clock('2026-03-10T12:00:00')).add)).toEqual({
      'reminder-store-installation-61-t24h': iso('2026-03-13T14:00:00'),
    });
    expect(onBookingMade(store(62, '2026-03-15T14:00:00'), 61, clock('2026-03-10T12:00:00')).remove).toEqual(['reminder-store-installation-61-t24h']);
    expect(onBookingCancelled({ id: 62, kind: 'installation', storeOrderId: 5 })).toEqual({ add: [], remove: ['reminder-store-installation-62-t24h'] });
  });

  it('a 24-hour reminder due at night moves to 08:00 (slots outside business hours)', () => {
    expect(due(onBookingMade(installation(52, '2026-03-14T23:00:00'), null, clock('2026-03-10T12:00:00')).add)).toEqual({
      'reminder-installation-52-t24h': iso('2026-03-14T08:00:00'),
    });
  });
});
