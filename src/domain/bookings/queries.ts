import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  bookings,
  deliveryCentres,
  installations,
  orders,
  slots,
  storeOrders,
  type Booking,
  type BookingKind,
  type DeliveryCentre,
  type Installation,
  type Slot,
} from '../../db/schema/index.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { addDays, dayStartFromKey, localDateKey } from '../../shared/time.js';

export interface DayAvailability {
  dateKey: string;
  free: number;
}

/** Slots must start at least this far ahead to be offered or booked. */
export const LEAD_MS = 2 * 3_600_000;

export interface BookingQueriesOptions {
  db: Db;
  /** The business time zone: "a day" of availability is a local day there. */
  timeZone: string;
  now?: () => Date;
}

/**
 * The read side of bookings: centres and cities, days and slots with room, a customer's bookings
 * (checked against the sender) and store-order installations. BookingService (service.ts) holds
 * one and hands these reads on beside booking, rescheduling and cancelling; callers use BookingService.
 */
export class BookingQueries {
  private readonly db: Db;
  private readonly timeZone: string;
  private readonly now: () => Date;

  constructor(opts: BookingQueriesOptions) {
    this.db = opts.db;
    this.timeZone = opts.timeZone;
    this.now = opts.now ?? (() => new Date());
  }

  private centresCache: { at: number; rows: DeliveryCentre[] } | null = null;

  /** Delivery centres change rarely and are read on several steps: cached for a minute. */
  private async allCentres(): Promise<DeliveryCentre[]> {
    const now = Date.now();
    if (!this.centresCache || now - this.centresCache.at > 60_000) {
      this.centresCache = { at: now, rows: await this.db.select().from(deliveryCentres).orderBy(asc(deliveryCentres.sort)) };
    }
    return this.centresCache.rows;
  }

  async cities(): Promise<Array<Pick<DeliveryCentre, 'city' | 'cityName'>>> {
    const rows = await this.allCentres();
    const seen = new Map<string, Pick<DeliveryCentre, 'city' | 'cityName'>>();
    for (const r of rows) if (!seen.has(r.city)) seen.set(r.city, { city: r.city, cityName: r.cityName });
    return [...seen.values()];
  }

  async centresIn(city: string): Promise<DeliveryCentre[]> {
    return (await this.allCentres()).filter((c) => c.city === city);
  }

  async centre(id: string): Promise<DeliveryCentre | null> {
    return (await this.allCentres()).find((c) => c.id === id) ?? null;
  }

  /** Days (local to the business zone) in the next two weeks with at least one free slot. */
  async availableDays(kind: BookingKind, centreId: string, days = 14): Promise<DayAvailability[]> {
    const from = new Date(this.now().getTime() + LEAD_MS);
    const until = addDays(from, days + 1, this.timeZone);
    const rows = await this.db
      .select({ startsAt: slots.startsAt, free: sql<number>`${slots.capacity} - ${slots.booked}` })
      .from(slots)
      .where(and(eq(slots.kind, kind), eq(slots.centreId, centreId), gt(slots.startsAt, from), lt(slots.startsAt, until), lt(slots.booked, slots.capacity)))
      .orderBy(asc(slots.startsAt));
    const byDay = new Map<string, number>();
    for (const r of rows) {
      const key = localDateKey(r.startsAt, this.timeZone);
      byDay.set(key, (byDay.get(key) ?? 0) + Number(r.free));
    }
    return [...byDay].map(([dateKey, free]) => ({ dateKey, free }));
  }

  /** Slots of one local day that still have room and start far enough ahead. */
  async freeSlotsOn(kind: BookingKind, centreId: string, dateKey: string): Promise<Slot[]> {
    const start = dayStartFromKey(dateKey, this.timeZone);
    const end = addDays(start, 1, this.timeZone);
    const earliest = new Date(this.now().getTime() + LEAD_MS);
    return this.db
      .select()
      .from(slots)
      .where(
        and(
          eq(slots.kind, kind),
          eq(slots.centreId, centreId),
          start > earliest ? gte(slots.startsAt, start) : gt(slots.startsAt, earliest),
          lt(slots.startsAt, end),
          lt(slots.booked, slots.capacity),
        ),
      )
      .orderBy(asc(slots.startsAt));
  }

  async slot(id: number): Promise<Slot | null> {
    const [row] = await this.db.select().from(slots).where(eq(slots.id, id));
    return row ?? null;
  }

  /** The booking with its slot, if it belongs to one of `customerId`'s car or store orders (ids come from buttons). */
  async forCustomer(bookingId: number, customerId: number): Promise<Booking & { slot: Slot }> {
    const [row] = await this.db
      .select({ booking: bookings, slot: slots, customerId: sql<number | null>`coalesce(${orders.customerId}, ${storeOrders.customerId})` })
      .from(bookings)
      .leftJoin(orders, eq(orders.id, bookings.orderId))
      .leftJoin(storeOrders, eq(storeOrders.id, bookings.storeOrderId))
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .where(eq(bookings.id, bookingId));
    if (!row) throw new NotFoundError(`booking ${bookingId} not found`);
    if (Number(row.customerId) !== customerId) throw new ForbiddenError(`booking ${bookingId} is not customer ${customerId}'s`);
    return { ...row.booking, slot: row.slot };
  }

  /** Live bookings with their slots for a set of orders (for "My orders"). */
  async activeFor(orderIds: number[]): Promise<Array<Booking & { slot: Slot }>> {
    if (orderIds.length === 0) return [];
    const rows = await this.db
      .select({ booking: bookings, slot: slots })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .where(and(inArray(bookings.orderId, orderIds), eq(bookings.state, 'active')))
      .orderBy(asc(slots.startsAt));
    return rows.map((r) => ({ ...r.booking, slot: r.slot }));
  }

  /** The live installation booking of a store order, with its slot (a Wall Connector without a car order). */
  async activeForStoreOrder(storeOrderId: number): Promise<(Booking & { slot: Slot }) | null> {
    const [row] = await this.db
      .select({ booking: bookings, slot: slots })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .where(and(eq(bookings.storeOrderId, storeOrderId), eq(bookings.state, 'active')));
    return row ? { ...row.booking, slot: row.slot } : null;
  }

  /** A store order's installations (open, done or cancelled), newest first. */
  async installationsOfStoreOrder(storeOrderId: number): Promise<Installation[]> {
    return this.db.select().from(installations).where(eq(installations.storeOrderId, storeOrderId)).orderBy(desc(installations.id));
  }

  /** Whether any of the customer's car orders has a charger installation requested, scheduled or done. */
  async hasCarInstallation(customerId: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: installations.id })
      .from(installations)
      .innerJoin(orders, eq(orders.id, installations.orderId))
      .where(and(eq(orders.customerId, customerId), inArray(installations.state, ['requested', 'scheduled', 'installed'])))
      .limit(1);
    return !!row;
  }

  /** Ops: scheduled installations of store orders whose slot starts in [from, until). */
  async storeInstallationsDue(from: Date, until: Date) {
    return this.db
      .select({ storeOrder: storeOrders, installation: installations, booking: bookings, slot: slots })
      .from(installations)
      .innerJoin(storeOrders, eq(storeOrders.id, installations.storeOrderId))
      .innerJoin(bookings, and(eq(bookings.storeOrderId, installations.storeOrderId), eq(bookings.kind, 'installation'), eq(bookings.state, 'active')))
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .where(and(isNull(installations.orderId), eq(installations.state, 'scheduled'), gte(slots.startsAt, from), lt(slots.startsAt, until)))
      .orderBy(asc(slots.startsAt));
  }
}
