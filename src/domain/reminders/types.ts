import type { OrderState } from '../orders/index.js';

/** Order states the customer is told about by message (the others they caused themselves in chat). */
export const notifiedOrderStates = ['vehicle_allocated', 'ready_for_delivery', 'delivered', 'expired', 'refunded'] as const satisfies readonly OrderState[];
export type NotifiedOrderState = (typeof notifiedOrderStates)[number];

/**
 * One message (or, for `expire-order`, one action) due at a given time. These are the payloads of
 * the BullMQ `reminders` queue (src/jobs/queues.ts); they carry ids only, never the text, because
 * the worker re-reads the database when the job fires and renders in the customer's language then.
 */
export type Reminder =
  | { kind: 'deposit'; orderId: number; step: 't30m' | 't24h'; /** epoch ms when the order expires */ expiresAt: number }
  | { kind: 'expire-order'; orderId: number }
  | { kind: 'delivery'; bookingId: number; step: 't24h' | 't2h' }
  | { kind: 'installation'; bookingId: number }
  /** The 24-hours-before reminder of a store order's charger installation (a Wall Connector without a car order). */
  | { kind: 'store-installation'; bookingId: number }
  | { kind: 'checkin'; orderId: number }
  | { kind: 'notify-order'; orderId: number; state: NotifiedOrderState }
  | { kind: 'notify-installation'; installationId: number };

export type ReminderKind = Reminder['kind'];

/** A reminder with its job id and the instant it should go out (quiet hours already applied). */
export interface PlannedReminder {
  id: string;
  reminder: Reminder;
  dueAt: Date;
}

/** What an event means for the queue: jobs to add, and job ids whose reason is gone. */
export interface ReminderChanges {
  add: PlannedReminder[];
  remove: string[];
}
