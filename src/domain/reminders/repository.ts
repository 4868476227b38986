import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  bookings,
  customers,
  deliveryCentres,
  feedback,
  installations,
  orders,
  slots,
  storeOrders,
  type Booking,
  type Customer,
  type DeliveryCentre,
  type Installation,
  type Order,
  type Slot,
  type StoreOrder,
} from '../../db/schema/index.js';
import type { Reminder } from './types.js';

/** The reminders read through ReminderContext (a car order's); a store order's installation has its own. */
export type CarReminder = Exclude<Reminder, { kind: 'store-installation' }>;

export type BookingView = Booking & { slot: Slot; centre: DeliveryCentre | null };

/** What a firing reminder needs to know, read fresh from the database when it fires. */
export interface ReminderContext {
  order: Order;
  customer: Customer;
  /** The reminder's booking; for a "ready" notification, the order's live delivery booking. */
  booking: BookingView | null;
  /** Installation reminders: the order's open installation; installed notices: that installation. */
  installation: Installation | null;
  /** The order has a charger installation requested, scheduled or done (offer one only if not). */
  hasInstallation: boolean;
  /** The 3-day check-in has been answered. */
  rated: boolean;
}

/** What a store order's installation reminder needs, read fresh when it fires. */
export interface StoreInstallationContext {
  storeOrder: StoreOrder;
  customer: Customer;
  booking: BookingView;
  /** The store order's open installation (requested or scheduled), if any. */
  installation: Installation | null;
}

/** Reads the rows behind a reminder. Null when they no longer exist at all. */
export class ReminderRepository {
  /**
   * The two lookups every reminder makes, built once: drizzle's query building costs more CPU per
   * reminder than the query itself when thousands come due in a minute (bench/reminders.ts).
   */
  private readonly bookingQuery;
  private readonly orderQuery;

  constructor(private readonly db: Db) {
    this.bookingQuery = db
      .select({ booking: bookings, slot: slots, centre: deliveryCentres, order: orders, customer: customers })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .leftJoin(deliveryCentres, eq(deliveryCentres.id, slots.centreId))
      .innerJoin(orders, eq(orders.id, bookings.orderId))
      .innerJoin(customers, eq(customers.id, orders.customerId))
      .where(eq(bookings.id, sql.placeholder('id')))
      .prepare('reminder_booking_context');
    this.orderQuery = db
      .select({ order: orders, customer: customers })
      .from(orders)
      .innerJoin(customers, eq(customers.id, orders.customerId))
      .where(eq(orders.id, sql.placeholder('id')))
      .prepare('reminder_order_context');
  }

  async load(r: CarReminder): Promise<ReminderContext | null> {
    switch (r.kind) {
      case 'deposit':
      case 'expire-order':
        return this.forOrder(r.orderId);
      case 'checkin': {
        const base = await this.forOrder(r.orderId);
        if (!base) return null;
        const [rated] = await this.db
          .select({ id: feedback.id })
          .from(feedback)
          .where(and(eq(feedback.orderId, r.orderId), eq(feedback.kind, 'delivery_checkin')));
        return { ...base, rated: !!rated };
      }
      case 'notify-order': {
        const base = await this.forOrder(r.orderId);
        if (!base) return null;
        const [booking] = await this.bookingsWhere(and(eq(bookings.orderId, r.orderId), eq(bookings.kind, 'delivery'), eq(bookings.state, 'active')));
        return { ...base, booking: booking ?? null, hasInstallation: await this.hasInstallation(r.orderId) };
      }
      case 'delivery':
      case 'installation': {
        // One round trip for the busiest kind.
        const [row] = await this.bookingQuery.execute({ id: r.bookingId });
        if (!row) return null;
        const installation = r.kind === 'installation' ? await this.openInstallation(row.order.id) : null;
        const booking = { ...row.booking, slot: row.slot, centre: row.centre };
        return { order: row.order, customer: row.customer, booking, installation, hasInstallation: false, rated: false };
      }
      case 'notify-installation': {
        const [installation] = await this.db.select().from(installations).where(eq(installations.id, r.installationId));
        // A store order's installation (no car order) has no reminder context: skipped as 'gone'.
        const base = installation?.orderId ? await this.forOrder(installation.orderId) : null;
        return installation && base ? { ...base, installation, hasInstallation: true } : null;
      }
    }
  }

  /** A store order's installation booking with its order, customer and open installation. */
  async loadStoreInstallation(bookingId: number): Promise<StoreInstallationContext | null> {
    const [row] = await this.db
      .select({ booking: bookings, slot: slots, centre: deliveryCentres, storeOrder: storeOrders, customer: customers })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .leftJoin(deliveryCentres, eq(deliveryCentres.id, slots.centreId))
      .innerJoin(storeOrders, eq(storeOrders.id, bookings.storeOrderId))
      .innerJoin(customers, eq(customers.id, storeOrders.customerId))
      .where(eq(bookings.id, bookingId));
    if (!row) return null;
    const [installation] = await this.db
      .select()
      .from(installations)
      .where(and(eq(installations.storeOrderId, row.storeOrder.id), inArray(installations.state, ['requested', 'scheduled'])));
    const booking = { ...row.booking, slot: row.slot, centre: row.centre };
    return { storeOrder: row.storeOrder, customer: row.customer, booking, installation: installation ?? null };
  }

  private async forOrder(orderId: number): Promise<ReminderContext | null> {
    const [row] = await this.orderQuery.execute({ id: orderId });
    return row ? { ...row, booking: null, installation: null, hasInstallation: false, rated: false } : null;
  }

  private async bookingsWhere(where: ReturnType<typeof and>): Promise<BookingView[]> {
    const rows = await this.db
      .select({ booking: bookings, slot: slots, centre: deliveryCentres })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .leftJoin(deliveryCentres, eq(deliveryCentres.id, slots.centreId))
      .where(where)
      .orderBy(desc(bookings.id));
    return rows.map((r) => ({ ...r.booking, slot: r.slot, centre: r.centre }));
  }

  private async openInstallation(orderId: number): Promise<Installation | null> {
    const [row] = await this.db
      .select()
      .from(installations)
      .where(and(eq(installations.orderId, orderId), inArray(installations.state, ['requested', 'scheduled'])));
    return row ?? null;
  }

  private async hasInstallation(orderId: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: installations.id })
      .from(installations)
      .where(and(eq(installations.orderId, orderId), inArray(installations.state, ['requested', 'scheduled', 'installed'])))
      .limit(1);
    return !!row;
  }
}
