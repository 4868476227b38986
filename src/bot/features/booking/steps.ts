import { z } from 'zod';
import { bookingKinds } from '../../../db/schema/index.js';
import { recordId } from '../../step-registry.js';

/** The booking flow's choices so far, kept from step to step. */
export const bookingDraft = z
  .object({
    /** The car order; or `storeOrderId` for a store order's installation. Exactly one. */
    orderId: recordId.optional(),
    storeOrderId: recordId.optional(),
    /** Store orders only: the city whose installers come. */
    city: z.string().optional(),
    kind: z.enum(bookingKinds),
    method: z.enum(['home', 'pickup']).optional(),
    centreId: z.string().optional(),
    address: z.string().optional(),
    parking: z.enum(['garage', 'assigned', 'none']).optional(),
    permission: z.boolean().optional(),
    /** The day picked (YYYY-MM-DD), for the slot step. */
    date: z.string().optional(),
    /** Rescheduling: the booking this one replaces. */
    replaces: recordId.optional(),
  })
  .superRefine((d, ctx) => {
    const owned = d.storeOrderId !== undefined ? d.kind === 'installation' && d.orderId === undefined : d.orderId !== undefined;
    if (!owned) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['orderId'], message: 'a car order, or a store order (installation only)' });
  });

export type BookingDraft = z.output<typeof bookingDraft>;

/**
 * Booking delivery or a charger installation: city (store orders) → method and address or centre
 * (delivery) → parking, permission, then address (installation) → day → slot. Every step carries the draft.
 */
export const bookingStepSchemas = {
  'booking.city': bookingDraft,
  'booking.method': bookingDraft,
  'booking.address': bookingDraft,
  'booking.centre': bookingDraft,
  'booking.parking': bookingDraft,
  'booking.permission': bookingDraft,
  'booking.day': bookingDraft,
  'booking.slot': bookingDraft,
};
