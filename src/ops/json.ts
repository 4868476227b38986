import type { Installation, Order } from '../db/schema/index.js';
import type { Worklist } from '../domain/fulfilment/service.js';
import { nextActions, type OrderView } from '../domain/fulfilment/order-view.js';

/**
 * The machine-readable shapes `npm run ops -- … --json` prints. Scripts depend on these field
 * names: add fields freely, but rename or remove none. Times are ISO 8601 in UTC.
 */

export const orderJson = (o: Order) => ({
  id: o.id,
  number: o.number,
  state: o.state,
  model: o.snapshot.modelName,
  trim: o.snapshot.trim.id,
  vin: o.vin,
  city: o.city,
  contactName: o.contactName,
  phone: o.phone,
  totalFen: o.totalFen,
  depositFen: o.depositFen,
  expectedDeliveryWeek: o.expectedDeliveryWeek?.toISOString() ?? null,
  deliveredAt: o.deliveredAt?.toISOString() ?? null,
});

export const installationJson = (i: Installation) => ({
  id: i.id,
  orderId: i.orderId,
  storeOrderId: i.storeOrderId,
  state: i.state,
  address: i.address,
  parking: i.parking,
  installedAt: i.installedAt?.toISOString() ?? null,
});

export const worklistJson = (wl: Worklist) => ({
  toAllocate: wl.toAllocate.map(orderJson),
  toMarkReady: wl.toMarkReady.map(orderJson),
  readyNotBooked: wl.readyNotBooked.map(orderJson),
  deliveries: wl.deliveries.map((d) => ({
    order: orderJson(d.order),
    bookingId: d.booking.id,
    method: d.booking.method,
    centreId: d.slot.centreId,
    startsAt: d.slot.startsAt.toISOString(),
    endsAt: d.slot.endsAt.toISOString(),
  })),
  installations: wl.installations.map((i) => ({
    order: orderJson(i.order),
    installationId: i.installation.id,
    bookingId: i.booking.id,
    startsAt: i.slot.startsAt.toISOString(),
    endsAt: i.slot.endsAt.toISOString(),
  })),
});

export const orderViewJson = (view: OrderView) => ({
  order: orderJson(view.order),
  bookings: view.bookings.map((b) => ({
    id: b.id,
    kind: b.kind,
    method: b.method,
    address: b.address,
    centreId: b.slot.centreId,
    startsAt: b.slot.startsAt.toISOString(),
    endsAt: b.slot.endsAt.toISOString(),
  })),
  installations: view.installations.map(installationJson),
  events: view.events.map((e) => ({
    at: e.createdAt.toISOString(),
    subject: e.subject,
    from: e.fromState,
    to: e.toState,
    actor: e.actor,
    note: e.note,
  })),
  nextActions: nextActions(view),
});
