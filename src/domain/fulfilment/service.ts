import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { bookings, installations, orders, slots, type Booking, type Installation, type Order, type Slot } from '../../db/schema/index.js';
import { AppError, NotFoundError } from '../../shared/errors.js';
import { addDays, zonedDayStart } from '../../shared/time.js';
import { noEvents, type DomainEvents } from '../events.js';
import type { OrderChange, OrderService } from '../orders/index.js';
import { assertInstallationTransition, auditInstallation } from '../installations/index.js';
import { normalizeVin } from './vin.js';

export interface Worklist {
  /** Deposit paid, no vehicle yet. */
  toAllocate: Order[];
  /** Vehicle allocated, not yet marked ready for delivery. */
  toMarkReady: Order[];
  /** Ready for delivery, no delivery slot booked. */
  readyNotBooked: Order[];
  /** Delivery slots today and tomorrow (business time zone). */
  deliveries: Array<{ order: Order; booking: Booking; slot: Slot }>;
  /** Installations scheduled in the next 7 days. */
  installations: Array<{ order: Order; installation: Installation; booking: Booking; slot: Slot }>;
}

/**
 * What operations staff do after the deposit: allocate a vehicle (VIN), mark it ready, hand it
 * over, and mark chargers installed. Every change goes through the transition tables, writes an
 * audit row, and is announced (customer message, reminders) after commit.
 */
export interface FulfilmentServiceOptions {
  db: Db;
  /** Every order step goes through its transitions (and is announced by it). */
  orders: OrderService;
  /** The business time zone: delivery weeks and "today" in the worklist. */
  timeZone: string;
  now?: () => Date;
  /** Told about installation changes (reminders, customer notices); nobody by default. */
  events?: DomainEvents;
}

export class FulfilmentService {
  private readonly db: Db;
  private readonly orders: OrderService;
  private readonly timeZone: string;
  private readonly now: () => Date;
  private readonly hooks: DomainEvents;

  constructor(opts: FulfilmentServiceOptions) {
    this.db = opts.db;
    this.orders = opts.orders;
    this.timeZone = opts.timeZone;
    this.now = opts.now ?? (() => new Date());
    this.hooks = opts.events ?? noEvents;
  }

  /** deposit_paid → vehicle_allocated, with the VIN and the expected delivery week (in two weeks). */
  async allocate(orderId: number, vinInput: string, actor: string): Promise<Order> {
    const vin = normalizeVin(vinInput);
    if (!vin) throw new AppError('invalid_vin', `not a VIN: ${vinInput}`);
    const week = this.weekStart(addDays(zonedDayStart(this.now(), this.timeZone), 14, this.timeZone));
    const order = await this.db.transaction(async (tx) => {
      // Two allocations of one VIN at the same moment (two colleagues, a CSV import) must not both
      // pass the check below: they queue on a transaction lock keyed by the VIN (3779: ISO 3779).
      await tx.execute(sql`select pg_advisory_xact_lock(3779, hashtext(${vin}))`);
      const [taken] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.vin, vin));
      if (taken && taken.id !== orderId) throw new AppError('vin_in_use', `VIN ${vin} is on order ${taken.id}`, { orderId: taken.id });
      return this.orders.transition(orderId, 'vehicle_allocated', actor, { tx, expectFrom: ['deposit_paid'], set: { vin, expectedDeliveryWeek: week }, note: `VIN ${vin}` });
    });
    await this.orders.announce({ order, from: 'deposit_paid', to: 'vehicle_allocated', actor });
    return order;
  }

  /** vehicle_allocated → ready_for_delivery, and on to delivery_scheduled when a slot is already booked. */
  async markReady(orderId: number, actor: string): Promise<Order> {
    const changes: OrderChange[] = [];
    const order = await this.db.transaction(async (tx) => {
      let order = await this.orders.transition(orderId, 'ready_for_delivery', actor, { tx, expectFrom: ['vehicle_allocated'] });
      changes.push({ order, from: 'vehicle_allocated', to: 'ready_for_delivery', actor });
      const [booked] = await tx
        .select({ id: bookings.id })
        .from(bookings)
        .where(and(eq(bookings.orderId, orderId), eq(bookings.kind, 'delivery'), eq(bookings.state, 'active')));
      if (booked) {
        order = await this.orders.transition(orderId, 'delivery_scheduled', actor, { tx, note: `booking ${booked.id}` });
        changes.push({ order, from: 'ready_for_delivery', to: 'delivery_scheduled', actor });
      }
      return order;
    });
    for (const c of changes) await this.orders.announce(c);
    return order;
  }

  /** delivery_scheduled → delivered. */
  async markDelivered(orderId: number, actor: string): Promise<Order> {
    return this.orders.transition(orderId, 'delivered', actor, { expectFrom: ['delivery_scheduled'], set: { deliveredAt: this.now() } });
  }

  /**
   * refund_requested → refunded, once the deposit has gone back through the payment provider
   * (CNY payments are refunded there, not through the Bot API). The customer is told.
   */
  async markRefunded(orderId: number, actor: string, note?: string): Promise<Order> {
    return this.orders.transition(orderId, 'refunded', actor, { expectFrom: ['refund_requested'], note });
  }

  /** scheduled → installed. */
  async markInstalled(installationId: number, actor: string): Promise<Installation> {
    const { installation, from } = await this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(installations).where(eq(installations.id, installationId)).for('update');
      if (!current) throw new NotFoundError(`installation ${installationId} not found`);
      assertInstallationTransition(current.state, 'installed');
      const [updated] = await tx
        .update(installations)
        .set({ state: 'installed', installedAt: this.now(), updatedAt: sql`now()` })
        .where(eq(installations.id, installationId))
        .returning();
      await auditInstallation(tx, current, current.state, 'installed', actor);
      return { installation: updated!, from: current.state };
    });
    await this.hooks.installationChanged(installation, from, 'installed', actor);
    return installation;
  }

  /** Everything that needs ops' attention now. */
  async worklist(): Promise<Worklist> {
    const today = zonedDayStart(this.now(), this.timeZone);
    const dayAfterTomorrow = addDays(today, 2, this.timeZone);
    const weekAhead = addDays(today, 7, this.timeZone);
    const [toAllocate, toMarkReady, ready, deliveries, installs] = await Promise.all([
      this.db.select().from(orders).where(eq(orders.state, 'deposit_paid')).orderBy(asc(orders.id)).limit(50),
      this.db.select().from(orders).where(eq(orders.state, 'vehicle_allocated')).orderBy(asc(orders.id)).limit(50),
      this.db
        .select()
        .from(orders)
        .where(
          and(eq(orders.state, 'ready_for_delivery'), sql`not exists (select 1 from ${bookings} b where b.order_id = ${orders.id} and b.kind = 'delivery' and b.state = 'active')`),
        )
        .orderBy(asc(orders.id))
        .limit(50),
      this.db
        .select({ order: orders, booking: bookings, slot: slots })
        .from(bookings)
        .innerJoin(orders, eq(orders.id, bookings.orderId))
        .innerJoin(slots, eq(slots.id, bookings.slotId))
        .where(
          and(
            eq(bookings.kind, 'delivery'),
            eq(bookings.state, 'active'),
            inArray(orders.state, ['delivery_scheduled', 'ready_for_delivery']),
            gte(slots.startsAt, today),
            lt(slots.startsAt, dayAfterTomorrow),
          ),
        )
        .orderBy(asc(slots.startsAt)),
      this.db
        .select({ order: orders, installation: installations, booking: bookings, slot: slots })
        .from(installations)
        .innerJoin(orders, eq(orders.id, installations.orderId))
        .innerJoin(bookings, and(eq(bookings.orderId, installations.orderId), eq(bookings.kind, 'installation'), eq(bookings.state, 'active')))
        .innerJoin(slots, eq(slots.id, bookings.slotId))
        .where(and(eq(installations.state, 'scheduled'), gte(slots.startsAt, today), lt(slots.startsAt, weekAhead)))
        .orderBy(asc(slots.startsAt)),
    ]);
    return { toAllocate, toMarkReady, readyNotBooked: ready, deliveries, installations: installs };
  }

  async installation(id: number): Promise<Installation | null> {
    const [row] = await this.db.select().from(installations).where(eq(installations.id, id));
    return row ?? null;
  }

  /** The open or finished installation of an order, newest first. */
  async installationsOf(orderId: number): Promise<Installation[]> {
    return this.db
      .select()
      .from(installations)
      .where(eq(installations.orderId, orderId))
      .orderBy(sql`${installations.id} desc`);
  }

  /** Monday 00:00 (business time) of the week containing `day`. */
  private weekStart(day: Date): Date {
    const weekday = new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, weekday: 'short' }).format(day);
    const offset = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(weekday);
    return addDays(zonedDayStart(day, this.timeZone), -offset, this.timeZone);
  }
}
