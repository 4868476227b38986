import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { bookings, carModels, deliveryWaitlist, installations, orderEvents, orders, type Installation, type Order, type RefundPolicy } from '../../db/schema/index.js';
import { AppError, ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { snapshot, type Configuration, type ModelCatalog } from '../catalog/index.js';
import { noEvents, type DomainEvents } from '../events.js';
import { assertTransition, cancellationTarget, canPreferWeek, type OrderState } from './transitions.js';

export interface NewOrderInput {
  customerId: number;
  catalog: ModelCatalog;
  configuration: Configuration;
  contactName: string;
  phone: string;
  city: string;
  /**
   * Names the customer's request that places this order: the same key again (a redelivered update,
   * or a handler run again after a crash) finds the order the first run made instead of making another.
   */
  requestKey?: string;
  /** When the customer accepted the deposit terms (the confirmation screen); null if not through the chat. */
  termsAcceptedAt?: Date | null;
}

/** A committed order state change, for DomainEvents once the transaction is done. */
export interface OrderChange {
  order: Order;
  from: OrderState;
  to: OrderState;
  actor: string;
}

export interface OrderServiceOptions {
  db: Db;
  /** Told about each committed change (reminders, customer notices); nobody by default. */
  events?: DomainEvents;
  /** The refund policy new orders are placed under (DEPOSIT_REFUNDABLE_UNTIL); 'until_vin' by default. */
  refundPolicy?: RefundPolicy;
}

export class OrderService {
  private readonly db: Db;
  private readonly hooks: DomainEvents;
  /** The refund policy new orders are placed under (frozen on each order). */
  readonly refundPolicy: RefundPolicy;

  constructor(opts: OrderServiceOptions) {
    this.db = opts.db;
    this.hooks = opts.events ?? noEvents;
    this.refundPolicy = opts.refundPolicy ?? 'until_vin';
  }

  /**
   * Creates the order `awaiting_deposit` with the configuration and prices frozen as they are now.
   * With a `requestKey` the customer already placed an order with, that order is returned as it is
   * now (nothing written), and its reminders are asked for again: their job ids are fixed per
   * order (src/domain/reminders/rules.ts), so a crash between the commit and the reminders is made
   * good and nothing is queued twice.
   *
   * A model paused by ops (car_models.available false) takes no new order: AppError('model_paused').
   * The flag is read from the database under a share lock, not from the catalog the caller holds
   * (cached up to 30 s), so a pause is never missed; an order this request made before is still found.
   */
  async create(input: NewOrderInput, actor: string): Promise<Order> {
    const { snapshot: snap, totalFen } = snapshot(input.catalog, input.configuration);
    const requestKey = input.requestKey ?? null;
    const order = await this.db.transaction(async (tx) => {
      const [model] = await tx.select({ available: carModels.available }).from(carModels).where(eq(carModels.id, input.catalog.model.id)).for('share');
      if (!model?.available) {
        const [earlier] = requestKey
          ? await tx
              .select()
              .from(orders)
              .where(and(eq(orders.customerId, input.customerId), eq(orders.requestKey, requestKey)))
          : [];
        if (earlier) return earlier;
        throw new AppError('model_paused', `model ${input.catalog.model.id} is not taking orders`, { modelId: input.catalog.model.id });
      }
      const [created] = await tx
        .insert(orders)
        .values({
          customerId: input.customerId,
          modelId: input.catalog.model.id,
          snapshot: snap,
          totalFen,
          depositFen: input.catalog.model.depositFen,
          state: 'awaiting_deposit',
          contactName: input.contactName,
          phone: input.phone,
          city: input.city,
          requestKey,
          refundPolicy: this.refundPolicy,
          termsAcceptedAt: input.termsAcceptedAt ?? null,
        })
        .onConflictDoNothing({ target: [orders.customerId, orders.requestKey], where: sql`${orders.requestKey} is not null` })
        .returning();
      if (!created) {
        const [existing] = await tx
          .select()
          .from(orders)
          .where(and(eq(orders.customerId, input.customerId), eq(orders.requestKey, requestKey ?? '')));
        if (!existing) throw new Error('order insert returned nothing');
        return existing;
      }
      await tx.insert(orderEvents).values({ orderId: created.id, fromState: null, toState: created.state, actor });
      return created;
    });
    if (order.state === 'awaiting_deposit') await this.hooks.orderCreated(order);
    return order;
  }

  async byId(id: number, db: DbOrTx = this.db): Promise<Order | null> {
    const [order] = await db.select().from(orders).where(eq(orders.id, id));
    return order ?? null;
  }

  async byNumber(number: string): Promise<Order | null> {
    const [order] = await this.db.select().from(orders).where(eq(orders.number, number.toUpperCase()));
    return order ?? null;
  }

  /**
   * The order, if it belongs to `customerId`. Ids arrive in callback data, which a client can forge:
   * a foreign id is a ForbiddenError (logged by the caller), a missing one NotFoundError.
   */
  async forCustomer(id: number, customerId: number): Promise<Order> {
    const order = await this.byId(id);
    if (!order) throw new NotFoundError(`order ${id} not found`, { orderId: id });
    if (order.customerId !== customerId) throw new ForbiddenError(`order ${id} is not customer ${customerId}'s`, { orderId: id });
    return order;
  }

  async listForCustomer(customerId: number, limit = 10): Promise<Order[]> {
    return this.db.select().from(orders).where(eq(orders.customerId, customerId)).orderBy(desc(orders.id)).limit(limit);
  }

  /**
   * Moves an order to `to` if the transition table allows it from the state it is in *now*: the row
   * is locked, so two concurrent changes cannot both pass the check. Writes the audit event.
   * Inside a caller's transaction (`opts.tx`) the caller emits the change (see `announce`) after
   * commit; otherwise this does.
   */
  async transition(
    orderId: number,
    to: OrderState,
    actor: string,
    opts: { note?: string; expectFrom?: OrderState[]; tx?: DbOrTx; set?: Partial<Pick<Order, 'vin' | 'expectedDeliveryWeek' | 'deliveredAt'>> } = {},
  ): Promise<Order> {
    const run = async (tx: DbOrTx): Promise<OrderChange> => {
      const [current] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
      if (!current) throw new NotFoundError(`order ${orderId} not found`);
      const from = current.state;
      if (opts.expectFrom && !opts.expectFrom.includes(from)) {
        throw new AppError('order_state_changed', `order ${orderId} is ${from}`, { from, to });
      }
      assertTransition(from, to);
      const [updated] = await tx
        .update(orders)
        .set({ ...opts.set, state: to, updatedAt: sql`now()` })
        .where(eq(orders.id, orderId))
        .returning();
      await tx.insert(orderEvents).values({ orderId, fromState: from, toState: to, actor, note: opts.note ?? null });
      return { order: updated!, from, to, actor };
    };
    if (opts.tx) return (await run(opts.tx)).order;
    const change = await this.db.transaction(run);
    await this.announce(change);
    return change.order;
  }

  /** Tells the listeners about a change committed in a caller's transaction. */
  async announce(change: OrderChange): Promise<void> {
    await this.hooks.orderStateChanged(change.order, change.from, change.to, change.actor);
  }

  /**
   * The customer's own cancel: unpaid → cancelled, paid → refund_requested (the deposit goes back
   * through the payment provider). Active bookings and an open installation are released in the
   * same transaction.
   */
  async cancelByCustomer(orderId: number, customerId: number, actor: string): Promise<Order> {
    const order = await this.forCustomer(orderId, customerId);
    const from = order.state;
    const target = cancellationTarget(from, order.refundPolicy);
    if (!target) throw new AppError('order_not_cancellable', `order ${orderId} is ${order.state}`);
    const { updated, released, closed } = await this.db.transaction(async (tx) => {
      // A paid order cancelled when its deposit is no longer refundable: the audit row says so.
      const note = target === 'cancelled' && from !== 'awaiting_deposit' ? 'deposit_not_refundable' : undefined;
      const updated = await this.transition(orderId, target, actor, { tx, expectFrom: [from], note });
      const released = await tx
        .update(bookings)
        .set({ state: 'cancelled', updatedAt: sql`now()` })
        .where(and(eq(bookings.orderId, orderId), eq(bookings.state, 'active')))
        .returning();
      for (const { slotId } of released) {
        await tx.execute(sql`update slots set booked = booked - 1 where id = ${slotId} and booked > 0`);
      }
      const closed = await this.closeInstallations(tx, orderId, actor);
      return { updated, released, closed };
    });
    await this.announce({ order: updated, from, to: target, actor });
    for (const b of released) await this.hooks.bookingCancelled(b);
    for (const i of closed) await this.hooks.installationChanged(i.installation, i.from, 'cancelled', actor);
    return updated;
  }

  /** Cancels the order's open installation (if any) inside `tx`, with its audit rows. */
  async closeInstallations(tx: DbOrTx, orderId: number, actor: string): Promise<Array<{ installation: Installation; from: Installation['state'] }>> {
    const open = await tx
      .select()
      .from(installations)
      .where(and(eq(installations.orderId, orderId), inArray(installations.state, ['requested', 'scheduled'])))
      .for('update');
    const out: Array<{ installation: Installation; from: Installation['state'] }> = [];
    for (const i of open) {
      const [updated] = await tx
        .update(installations)
        .set({ state: 'cancelled', updatedAt: sql`now()` })
        .where(eq(installations.id, i.id))
        .returning();
      await tx.insert(orderEvents).values({ orderId, subject: 'installation', fromState: i.state, toState: 'cancelled', actor });
      out.push({ installation: updated!, from: i.state });
    }
    return out;
  }

  /**
   * The customer's preferred delivery week (Monday, YYYY-MM-DD), or null to clear it: a wish shown
   * to ops, allowed while the car is not ready (canPreferWeek). Books nothing and promises no date.
   */
  async setPreferredWeek(orderId: number, customerId: number, week: string | null): Promise<Order> {
    const order = await this.forCustomer(orderId, customerId);
    if (!canPreferWeek(order.state)) throw new AppError('order_state_changed', `order ${orderId} is ${order.state}`);
    const [updated] = await this.db
      .update(orders)
      .set({ preferredDeliveryWeek: week, updatedAt: sql`now()` })
      .where(eq(orders.id, orderId))
      .returning();
    return updated!;
  }

  /** "Tell me when delivery opens here": one row per customer and city (as typed, lower case). */
  async joinWaitlist(customerId: number, city: string): Promise<void> {
    await this.db.insert(deliveryWaitlist).values({ customerId, city: city.trim().toLowerCase() }).onConflictDoNothing();
  }

  /** The waitlist for ops: each city with how many customers wait for it, most wanted first. */
  async waitlist(): Promise<Array<{ city: string; customers: number }>> {
    return this.db
      .select({ city: deliveryWaitlist.city, customers: sql<number>`count(*)::int` })
      .from(deliveryWaitlist)
      .groupBy(deliveryWaitlist.city)
      .orderBy(desc(sql`count(*)`), deliveryWaitlist.city);
  }

  /** The audit trail, oldest first. */
  async events(orderId: number) {
    return this.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(orderEvents.id);
  }
}
