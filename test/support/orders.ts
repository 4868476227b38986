/**
 * Car orders in e2e tests, placed through the chat as a customer would (callback data pressed
 * directly, so the steps do not depend on button labels), and the order's row as the database has it.
 */
import { cb } from '../../src/telegram/callback-data.js';
import type { TestChat } from './chat.js';

/** A model and its picks in the configurator's order: trim, paint, wheels, interior. */
export interface CarChoice {
  modelId: string;
  picks: readonly string[];
}

const STEPS = ['trim', 'paint', 'wheels', 'interior'] as const;

export const ZHANG_WEI = { name: 'Zhang Wei', phone: '13800138000' };

/** /start → models → the model → configure, then the first `steps` picks. */
export async function configureCar(c: TestChat, car: CarChoice, steps: number = STEPS.length): Promise<void> {
  await c.text('/start');
  await c.press(cb.models.pack({}));
  await c.press(cb.model.pack({ modelId: car.modelId }));
  await c.press(cb.configure.pack({ modelId: car.modelId }));
  for (let i = 0; i < steps; i++) await c.press(cb.choose.pack({ step: STEPS[i]!, optionId: car.picks[i]! }));
}

/** The whole configuration, Order, then the contact's name and phone: the chat is at the city question. */
export async function toCityStep(c: TestChat, car: CarChoice, contact = ZHANG_WEI): Promise<void> {
  await configureCar(c, car);
  await c.press(cb.orderStart.pack({}));
  await c.text(contact.name);
  await c.text(contact.phone);
}

export interface OrderRow {
  id: number;
  number: string;
  state: string;
  deposit_fen: number;
  contact_name: string;
  phone: string;
}

/** The chat's newest car order. */
export async function latestOrder(c: TestChat): Promise<OrderRow> {
  const [o] = await c.h.db.sql<OrderRow[]>`
    select o.id, o.number, o.state, o.deposit_fen, o.contact_name, o.phone from orders o
    join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id} order by o.id desc limit 1`;
  if (!o) throw new Error(`no order for ${c.id}`);
  return o;
}

/** To the city question, then `city`: the chat is at the confirmation screen (nothing written yet). */
export async function toConfirmStep(c: TestChat, car: CarChoice, opts: { contact?: { name: string; phone: string }; city: string }): Promise<void> {
  await toCityStep(c, car, opts.contact);
  await c.press(cb.city.pack({ city: opts.city }));
}

/** To the confirmation screen, then "同意并支付": a complete order awaiting its deposit; resolves with its row. */
export async function placeCarOrder(c: TestChat, car: CarChoice, opts: { contact?: { name: string; phone: string }; city: string }): Promise<OrderRow> {
  await toConfirmStep(c, car, opts);
  await c.press(cb.orderConfirm.pack({}));
  return latestOrder(c);
}

/**
 * A paid order's car allocated (a VIN made from the order id) and marked ready, as ops would:
 * delivery can be booked only from then on. Leaves the ready notice to the worker.
 */
export async function makeReady(c: TestChat, orderId: number): Promise<void> {
  const { fulfilment } = c.h.app.deps.services;
  await fulfilment.allocate(orderId, `LRWYGCEK1PC${String(orderId).padStart(6, '0')}`, 'staff:1');
  await fulfilment.markReady(orderId, 'staff:1');
}
