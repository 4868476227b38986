import type { DeliveryCentre, Installation, LocalizedText, Order, OrderEvent } from '../../db/schema/index.js';
import type { BookingService, BookingView } from '../bookings/index.js';
import type { OrderService } from '../orders/index.js';
import type { FulfilmentService } from './service.js';

/**
 * What the ops bot and `npm run ops` share: finding an order from what a person typed, loading
 * everything one order screen shows, and which fulfilment step comes next for it.
 */

/** The services an order view is read from. */
export interface OrderViewServices {
  orders: OrderService;
  bookings: BookingService;
  fulfilment: FulfilmentService;
}

/** Everything shown about one order to operations staff. */
export interface OrderView {
  order: Order;
  cityName: LocalizedText | null;
  bookings: BookingView[];
  /** Newest first; at most one is open (requested or scheduled). */
  installations: Installation[];
  /** The audit trail, oldest first. */
  events: OrderEvent[];
}

export type OpsAction = { kind: 'allocate' | 'ready' | 'delivered'; orderId: number } | { kind: 'installed'; orderId: number; installationId: number };

/**
 * An order from what staff type: `TJ100042` (any case) by number; bare digits as a number's
 * digits (`100042`) and otherwise as the order id (`42`), which is what logs and the database use.
 */
export async function findOrder(services: Pick<OrderViewServices, 'orders'>, ref: string): Promise<Order | null> {
  const cleaned = ref.trim().replace(/^#/, '');
  if (/^TJ\d{1,12}$/i.test(cleaned)) return services.orders.byNumber(cleaned);
  if (!/^\d{1,12}$/.test(cleaned)) return null;
  const byNumber = await services.orders.byNumber(`TJ${cleaned}`);
  if (byNumber) return byNumber;
  const id = Number(cleaned);
  // Serial ids fit in int4; a larger number would make Postgres refuse the query.
  return id > 0 && id <= 2_147_483_647 ? services.orders.byId(id) : null;
}

export async function loadOrderView(services: OrderViewServices, order: Order): Promise<OrderView> {
  const { bookings, fulfilment, orders } = services;
  const [active, installations, events, cities] = await Promise.all([
    bookings.activeFor([order.id]),
    fulfilment.installationsOf(order.id),
    orders.events(order.id),
    bookings.cities(),
  ]);
  const centres = new Map<string, DeliveryCentre | null>();
  for (const b of active) if (!centres.has(b.slot.centreId)) centres.set(b.slot.centreId, await bookings.centre(b.slot.centreId));
  return {
    order,
    cityName: cities.find((c) => c.city === order.city)?.cityName ?? null,
    bookings: active.map((b) => ({ ...b, centre: centres.get(b.slot.centreId) ?? null })),
    installations,
    events,
  };
}

/** The fulfilment steps staff can take on this order now (the service still checks each one). */
export function nextActions(view: OrderView): OpsAction[] {
  const orderId = view.order.id;
  const actions: OpsAction[] = [];
  const state = view.order.state;
  if (state === 'deposit_paid') actions.push({ kind: 'allocate', orderId });
  if (state === 'vehicle_allocated') actions.push({ kind: 'ready', orderId });
  if (state === 'delivery_scheduled') actions.push({ kind: 'delivered', orderId });
  const scheduled = view.installations.find((i) => i.state === 'scheduled');
  if (scheduled) actions.push({ kind: 'installed', orderId, installationId: scheduled.id });
  return actions;
}
