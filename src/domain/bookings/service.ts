import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import { noEvents, type DomainEvents } from '../events.js';
import { OrderService } from '../orders/index.js';
import { bookings, installations, slots, type Booking, type BookingKind, type DeliveryCentre, type Installation, type ParkingType, type Slot } from '../../db/schema/index.js';
import { AppError, pgErrorCode } from '../../shared/errors.js';
import { auditInstallation, closeStoreInstallations } from '../installations/index.js';
import { BookingQueries, LEAD_MS, type BookingQueriesOptions, type DayAvailability } from './queries.js';

export type { DayAvailability } from './queries.js';

export interface BookInput {
  /** The car order booked for; or, for a store order's charger installation, `storeOrderId`. Exactly one. */
  orderId?: number | null;
  storeOrderId?: number | null;
  kind: BookingKind;
  slotId: number;
  centreId: string;
  method?: 'home' | 'pickup';
  address?: string | null;
  parking?: ParkingType;
  permission?: boolean;
  /** Rescheduling: the booking this one replaces, released in the same transaction. */
  replaces?: number;
  /** Who books, for the audit trail ('customer:<telegram id>'). */
  actor?: string;
}

export interface BookingServiceOptions extends BookingQueriesOptions {
  /** Moves the order on when a booking schedules its delivery; one without events by default. */
  orders?: OrderService;
  /** Told about bookings and installations (reminders, customer notices); nobody by default. */
  events?: DomainEvents;
}

/**
 * Bookings of delivery and installation slots: booking, rescheduling and cancelling, with what
 * they mean for the order and its installation; and the reads of BookingQueries (queries.ts),
 * handed on so callers keep one service.
 */
export class BookingService {
  private readonly db: Db;
  private readonly now: () => Date;
  private readonly orders: OrderService;
  private readonly hooks: DomainEvents;
  private readonly queries: BookingQueries;

  constructor(opts: BookingServiceOptions) {
    this.db = opts.db;
    this.now = opts.now ?? (() => new Date());
    this.orders = opts.orders ?? new OrderService({ db: opts.db });
    this.hooks = opts.events ?? noEvents;
    this.queries = new BookingQueries({ db: opts.db, timeZone: opts.timeZone, now: this.now });
  }

  // The reads, from BookingQueries (queries.ts).

  cities(): Promise<Array<Pick<DeliveryCentre, 'city' | 'cityName'>>> {
    return this.queries.cities();
  }

  centresIn(city: string): Promise<DeliveryCentre[]> {
    return this.queries.centresIn(city);
  }

  centre(id: string): Promise<DeliveryCentre | null> {
    return this.queries.centre(id);
  }

  availableDays(kind: BookingKind, centreId: string, days?: number): Promise<DayAvailability[]> {
    return this.queries.availableDays(kind, centreId, days);
  }

  freeSlotsOn(kind: BookingKind, centreId: string, dateKey: string): Promise<Slot[]> {
    return this.queries.freeSlotsOn(kind, centreId, dateKey);
  }

  slot(id: number): Promise<Slot | null> {
    return this.queries.slot(id);
  }

  forCustomer(bookingId: number, customerId: number): Promise<Booking & { slot: Slot }> {
    return this.queries.forCustomer(bookingId, customerId);
  }

  activeFor(orderIds: number[]): Promise<Array<Booking & { slot: Slot }>> {
    return this.queries.activeFor(orderIds);
  }

  activeForStoreOrder(storeOrderId: number): Promise<(Booking & { slot: Slot }) | null> {
    return this.queries.activeForStoreOrder(storeOrderId);
  }

  installationsOfStoreOrder(storeOrderId: number): Promise<Installation[]> {
    return this.queries.installationsOfStoreOrder(storeOrderId);
  }

  hasCarInstallation(customerId: number): Promise<boolean> {
    return this.queries.hasCarInstallation(customerId);
  }

  storeInstallationsDue(from: Date, until: Date) {
    return this.queries.storeInstallationsDue(from, until);
  }

  /**
   * Books a slot. Capacity is taken with one guarded UPDATE (`booked < capacity`), so concurrent
   * clicks can never overbook; the CHECK constraint on slots is the backstop.
   * Errors: slot_full, slot_unavailable (wrong kind/centre or too soon), already_booked.
   *
   * Safe to run again: when the owner's active booking of this kind is already on this slot (and is
   * not the one being replaced), an earlier run of the same request made it, and it is returned as it
   * is (its reminders asked for again; their job ids are fixed per booking), nothing written.
   */
  async book(input: BookInput): Promise<Booking & { slot: Slot }> {
    const actor = input.actor ?? 'system';
    const orderId = input.orderId ?? null;
    const storeOrderId = input.storeOrderId ?? null;
    if ((orderId === null) === (storeOrderId === null) || (storeOrderId !== null && input.kind !== 'installation')) {
      throw new AppError('bad_owner', 'a booking needs exactly one car order, or a store order for an installation');
    }
    const owned = orderId !== null ? eq(bookings.orderId, orderId) : eq(bookings.storeOrderId, storeOrderId!);
    const [made] = await this.db
      .select({ booking: bookings, slot: slots })
      .from(bookings)
      .innerJoin(slots, eq(slots.id, bookings.slotId))
      .where(and(owned, eq(bookings.kind, input.kind), eq(bookings.state, 'active'), eq(bookings.slotId, input.slotId)));
    if (made && made.booking.id !== input.replaces) {
      const found = { ...made.booking, slot: made.slot };
      await this.hooks.bookingMade(found, input.replaces ?? null);
      return found;
    }
    if (input.replaces !== undefined) {
      const [old] = await this.db.select({ booking: bookings, slot: slots }).from(bookings).innerJoin(slots, eq(slots.id, bookings.slotId)).where(eq(bookings.id, input.replaces));
      if (old) await this.assertChangeable({ ...old.booking, slot: old.slot });
    }
    const after: Array<() => Promise<void>> = [];
    const result = await this.db.transaction(async (tx) => {
      const earliest = new Date(this.now().getTime() + LEAD_MS);
      if (input.replaces !== undefined) {
        const released = await tx
          .update(bookings)
          .set({ state: 'cancelled', updatedAt: sql`now()` })
          .where(and(eq(bookings.id, input.replaces), owned, eq(bookings.state, 'active')))
          .returning({ slotId: bookings.slotId });
        if (released.length === 0) throw new AppError('booking_changed', `booking ${input.replaces} is no longer active`);
        await tx
          .update(slots)
          .set({ booked: sql`${slots.booked} - 1` })
          .where(eq(slots.id, released[0]!.slotId));
      }
      const [slot] = await tx
        .update(slots)
        .set({ booked: sql`${slots.booked} + 1` })
        .where(and(eq(slots.id, input.slotId), eq(slots.kind, input.kind), eq(slots.centreId, input.centreId), gt(slots.startsAt, earliest), lt(slots.booked, slots.capacity)))
        .returning();
      if (!slot) {
        const existing = await tx.select().from(slots).where(eq(slots.id, input.slotId));
        const s = existing[0];
        const usable = s && s.kind === input.kind && s.centreId === input.centreId && s.startsAt > earliest;
        throw new AppError(usable ? 'slot_full' : 'slot_unavailable', `slot ${input.slotId} cannot be booked`);
      }
      try {
        const [booking] = await tx
          .insert(bookings)
          .values({
            orderId,
            storeOrderId,
            kind: input.kind,
            method: input.method ?? null,
            slotId: slot.id,
            address: input.address ?? null,
            parking: input.parking ?? null,
            permission: input.permission ?? null,
          })
          .returning();
        if (input.replaces === undefined) await this.onNewBooking(tx, booking!, actor, after);
        return { ...booking!, slot };
      } catch (err) {
        if (pgErrorCode(err) === '23505') {
          throw new AppError('already_booked', `order ${orderId ?? `store ${storeOrderId}`} already has a ${input.kind} booking`);
        }
        throw err;
      }
    });
    await this.hooks.bookingMade(result, input.replaces ?? null);
    for (const announce of after) await announce();
    return result;
  }

  /**
   * What a first booking means for the order: a delivery slot for a car that is ready schedules
   * the delivery; an installation slot schedules the installation (created here, requested and
   * scheduled in one go, as the customer answered the questions before picking the slot).
   */
  private async onNewBooking(tx: Tx, booking: Booking, actor: string, after: Array<() => Promise<void>>) {
    if (booking.kind === 'delivery') {
      if (booking.orderId === null) return;
      const order = await this.orders.byId(booking.orderId, tx);
      if (order?.state === 'ready_for_delivery') {
        const updated = await this.orders.transition(order.id, 'delivery_scheduled', actor, { tx, note: `booking ${booking.id}` });
        after.push(() => this.orders.announce({ order: updated, from: 'ready_for_delivery', to: 'delivery_scheduled', actor }));
      }
      return;
    }
    const [installation] = await tx
      .insert(installations)
      .values({
        orderId: booking.orderId,
        storeOrderId: booking.storeOrderId,
        state: 'scheduled',
        address: booking.address ?? '',
        parking: booking.parking ?? 'garage',
      })
      .returning();
    await auditInstallation(tx, booking, null, 'requested', actor);
    await auditInstallation(tx, booking, 'requested', 'scheduled', actor, `booking ${booking.id}`);
    after.push(() => this.hooks.installationChanged(installation!, 'requested', 'scheduled', actor));
  }

  /** Cancels a live booking that belongs to one of the customer's orders and frees its place. */
  async cancel(bookingId: number, customerId: number, actor = `customer-id:${customerId}`): Promise<Booking> {
    await this.assertChangeable(await this.forCustomer(bookingId, customerId));
    const after: Array<() => Promise<void>> = [];
    const cancelled = await this.db.transaction(async (tx) => {
      const [booking] = await tx
        .update(bookings)
        .set({ state: 'cancelled', updatedAt: sql`now()` })
        .where(and(eq(bookings.id, bookingId), eq(bookings.state, 'active')))
        .returning();
      if (!booking) throw new AppError('booking_changed', `booking ${bookingId} is not active`);
      await tx
        .update(slots)
        .set({ booked: sql`${slots.booked} - 1` })
        .where(eq(slots.id, booking.slotId));
      if (booking.kind === 'installation') {
        const closed =
          booking.orderId !== null ? await this.orders.closeInstallations(tx, booking.orderId, actor) : await closeStoreInstallations(tx, booking.storeOrderId!, actor);
        for (const c of closed) {
          after.push(() => this.hooks.installationChanged(c.installation, c.from, 'cancelled', actor));
        }
      } else if (booking.orderId !== null) {
        const order = await this.orders.byId(booking.orderId, tx);
        if (order?.state === 'delivery_scheduled') {
          const updated = await this.orders.transition(order.id, 'ready_for_delivery', actor, { tx, note: `booking ${booking.id} cancelled` });
          after.push(() => this.orders.announce({ order: updated, from: 'delivery_scheduled', to: 'ready_for_delivery', actor }));
        }
      }
      return booking;
    });
    await this.hooks.bookingCancelled(cancelled);
    for (const announce of after) await announce();
    return cancelled;
  }

  /**
   * A booking whose slot has begun, or whose installation is done, is history: cancelling or
   * moving it (an old button) would free a slot that was used. Error: booking_past.
   */
  async assertChangeable(booking: Booking & { slot: Slot }): Promise<void> {
    if (booking.slot.startsAt <= this.now()) throw new AppError('booking_past', `booking ${booking.id} has started`);
    if (booking.kind !== 'installation') return;
    const owner = booking.orderId !== null ? eq(installations.orderId, booking.orderId) : eq(installations.storeOrderId, booking.storeOrderId!);
    const done = await this.db
      .select({ id: installations.id })
      .from(installations)
      .where(and(owner, eq(installations.state, 'installed')))
      .limit(1);
    if (done.length > 0) throw new AppError('booking_past', `booking ${booking.id}: installation done`);
  }
}
