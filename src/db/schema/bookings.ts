import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { LocalizedText } from './catalog.js';
import { customers, timestamps } from './customers.js';
import { orders } from './orders.js';
import { storeOrders } from './store.js';

export const deliveryCentres = pgTable('delivery_centres', {
  id: text('id').primaryKey(),
  /** City code shared with orders.city, e.g. 'shanghai'. */
  city: text('city').notNull(),
  cityName: jsonb('city_name').$type<LocalizedText>().notNull(),
  name: jsonb('name').$type<LocalizedText>().notNull(),
  address: jsonb('address').$type<LocalizedText>().notNull(),
  sort: integer('sort').notNull().default(0),
});

export const bookingKinds = ['delivery', 'installation'] as const;
export type BookingKind = (typeof bookingKinds)[number];

/**
 * A bookable window. Delivery slots (home delivery and pickup alike) belong to a centre, which
 * dispatches its own vans; installation slots belong to the city's installer team.
 */
export const slots = pgTable(
  'slots',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').$type<BookingKind>().notNull(),
    centreId: text('centre_id')
      .notNull()
      .references(() => deliveryCentres.id),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    capacity: integer('capacity').notNull(),
    booked: integer('booked').notNull().default(0),
  },
  (t) => [
    uniqueIndex('slots_kind_centre_start_uq').on(t.kind, t.centreId, t.startsAt),
    // The guarded UPDATE in the booking service keeps this true; the CHECK is the backstop.
    check('slots_capacity', sql`${t.booked} >= 0 and ${t.booked} <= ${t.capacity}`),
  ],
);

export type ParkingType = 'garage' | 'assigned' | 'none';

export const bookings = pgTable(
  'bookings',
  {
    id: serial('id').primaryKey(),
    /** The car order booked for; null for a store order's charger installation (store_order_id). */
    orderId: integer('order_id').references(() => orders.id),
    /** A Wall Connector bought in the store by a customer without a car order that can take it. */
    storeOrderId: integer('store_order_id').references(() => storeOrders.id),
    kind: text('kind').$type<BookingKind>().notNull(),
    /** Delivery only: 'home' or 'pickup'. */
    method: text('method').$type<'home' | 'pickup'>(),
    slotId: integer('slot_id')
      .notNull()
      .references(() => slots.id),
    address: text('address'),
    parking: text('parking').$type<ParkingType>(),
    permission: boolean('permission'),
    state: text('state').$type<'active' | 'cancelled'>().notNull().default('active'),
    ...timestamps,
  },
  (t) => [
    index('bookings_order_idx').on(t.orderId),
    // One live booking of each kind per order: rescheduling replaces it in one transaction.
    uniqueIndex('bookings_one_active_uq')
      .on(t.orderId, t.kind)
      .where(sql`${t.state} = 'active'`),
    uniqueIndex('bookings_one_active_store_uq')
      .on(t.storeOrderId, t.kind)
      .where(sql`${t.state} = 'active'`),
    // Exactly one owner: a car order or a store order (installations only).
    check('bookings_one_owner', sql`(${t.orderId} is null) <> (${t.storeOrderId} is null)`),
    check('bookings_store_installation_only', sql`${t.storeOrderId} is null or ${t.kind} = 'installation'`),
  ],
);

export const installationStates = ['requested', 'scheduled', 'installed', 'cancelled'] as const;
export type InstallationState = (typeof installationStates)[number];

/**
 * A home-charger installation for an order: requested when the customer gives address, parking
 * and permission, scheduled once a slot is booked, installed when ops say so. Its slot is the
 * active 'installation' booking of the order.
 */
export const installations = pgTable(
  'installations',
  {
    id: serial('id').primaryKey(),
    /** The car order; null when the installation is for a store order (store_order_id). */
    orderId: integer('order_id').references(() => orders.id),
    storeOrderId: integer('store_order_id').references(() => storeOrders.id),
    state: text('state').$type<InstallationState>().notNull(),
    address: text('address').notNull(),
    parking: text('parking').$type<ParkingType>().notNull(),
    installedAt: timestamp('installed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    // One installation in progress per order; finished or cancelled ones stay as history.
    uniqueIndex('installations_one_open_uq')
      .on(t.orderId)
      .where(sql`${t.state} in ('requested','scheduled')`),
    uniqueIndex('installations_one_open_store_uq')
      .on(t.storeOrderId)
      .where(sql`${t.state} in ('requested','scheduled')`),
    check('installations_one_owner', sql`(${t.orderId} is null) <> (${t.storeOrderId} is null)`),
    check('installations_state', sql`${t.state} in ('requested','scheduled','installed','cancelled')`),
    // The fulfilment report: installations done per week.
    index('installations_installed_idx').on(t.installedAt),
  ],
);

export type Installation = typeof installations.$inferSelect;
export type DeliveryCentre = typeof deliveryCentres.$inferSelect;
export type Slot = typeof slots.$inferSelect;
export type Booking = typeof bookings.$inferSelect;

/**
 * "Tell me when delivery opens here": a customer in a city without delivery, one row per customer
 * and city as typed (normalised to lower case), listed for ops (`npm run ops -- waitlist`).
 */
export const deliveryWaitlist = pgTable(
  'delivery_waitlist',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    city: text('city').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('delivery_waitlist_customer_city_uq').on(t.customerId, t.city)],
);
export type DeliveryWaitlistEntry = typeof deliveryWaitlist.$inferSelect;
