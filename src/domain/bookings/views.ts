import type { Booking, DeliveryCentre, Slot } from '../../db/schema/index.js';

/** A booking with its slot and delivery centre, as screens show it. */
export type BookingView = Booking & { slot: Slot; centre: DeliveryCentre | null };
