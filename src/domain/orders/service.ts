import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { bookings, orderEvents, orders, type Order } from '../../db/schema/index.js';
import { AppError, ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { snapshot, type Configuration, type ModelCatalog } from '../catalog/pricing.js';
import { assertTransition, cancellationTarget, type OrderState } from './transitions.js';

export interface NewOrderInput {
  customerId: number;
  catalog: ModelCatalog;
  configuration: Configuration;
  contactName: string;
  phone: string;
  city: string;
}

export class OrderService {
  constructor(private readonly db: Db) {}

  /** Creates the order `awaiting_deposit` with the configuration and prices frozen as they are now. */
  async create(input: NewOrderInput, actor: string): Promise<Order> {
    const { snapshot: snap, totalFen } = snapshot(input.catalog, input.configuration);
    return this.db.transaction(async (tx) => {
      const [order] = await tx
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
        })
        .returning();
      if (!order) throw new Error('order insert returned nothing');
      await tx.insert(orderEvents).values({ orderId: order.id, fromState: null, toState: order.state, actor });
      return order;
    });
  }

  async byId(id: number, db: DbOrTx = this.db): Promise<Order | null> {
    const [order] = await db.select().from(orders).where(eq(orders.id, id));
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
   */
  async transition(
    orderId: number,
    to: OrderState,
    actor: string,
    opts: { note?: string; expectFrom?: OrderState[]; tx?: DbOrTx } = {},
  ): Promise<Order> {
    const run = async (tx: DbOrTx) => {
      const [current] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
      if (!current) throw new NotFoundError(`order ${orderId} not found`);
      const from = current.state as OrderState;
      if (opts.expectFrom && !opts.expectFrom.includes(from)) {
        throw new AppError('order_state_changed', `order ${orderId} is ${from}`, { from, to });
      }
      assertTransition(from, to);
      const [updated] = await tx
        .update(orders)
        .set({ state: to, updatedAt: sql`now()` })
        .where(eq(orders.id, orderId))
        .returning();
      await tx.insert(orderEvents).values({ orderId, fromState: from, toState: to, actor, note: opts.note ?? null });
      return updated!;
    };
    return opts.tx ? run(opts.tx) : this.db.transaction(run);
  }

  /**
   * The customer's own cancel: unpaid → cancelled, paid → refund_requested (the deposit goes back
   * through the payment provider). Active bookings are released in the same transaction.
   */
  async cancelByCustomer(orderId: number, customerId: number, actor: string): Promise<Order> {
    const order = await this.forCustomer(orderId, customerId);
    const target = cancellationTarget(order.state as OrderState);
    if (!target) throw new AppError('order_not_cancellable', `order ${orderId} is ${order.state}`);
    return this.db.transaction(async (tx) => {
      const updated = await this.transition(orderId, target, actor, { tx, expectFrom: [order.state as OrderState] });
      const released = await tx
        .update(bookings)
        .set({ state: 'cancelled', updatedAt: sql`now()` })
        .where(and(eq(bookings.orderId, orderId), eq(bookings.state, 'active')))
        .returning({ slotId: bookings.slotId });
      for (const { slotId } of released) {
        await tx.execute(sql`update slots set booked = booked - 1 where id = ${slotId} and booked > 0`);
      }
      return updated;
    });
  }

  async events(orderId: number) {
    return this.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(orderEvents.id);
  }
}
