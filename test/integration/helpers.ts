/**
 * Shared set-up for the integration tests: a Config pointing at the file's own database, and
 * quick ways to make customers, orders (unpaid or paid) and pick bookable slots.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { slots, type BookingKind, type Customer, type Order, type Slot } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import type { Configuration } from '../../src/domain/catalog/pricing.js';
import { storePayload } from '../../src/domain/store/rules.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { waitFor } from '../support/wait.js';

export const TZ = 'Asia/Shanghai';
export const TOKEN = '7000000001:AAHStandInTokenForTestsOnly_0123456789';

export const configFor = (databaseUrl: string): Config => loadConfig({ BOT_TOKEN: TOKEN, DATABASE_URL: databaseUrl });

/**
 * Gives the file (or the describe block it is called in) a database of its own and the app's
 * services on it (on the clock `now`, if given): made before its tests and handed to `use`,
 * dropped after them.
 */
export function withTestServices(use: (env: { t: TestDb; s: Services }) => void, now?: () => Date): void {
  let t: TestDb | undefined;
  beforeAll(async () => {
    t = await createTestDb();
    use({ t, s: createServices(t.db, configFor(t.url), { now }) });
  });
  afterAll(async () => {
    await t?.drop();
  });
}

/** A complete Model Y configuration: RWD, free paint/wheels/interior (total ¥263,500). */
export const MODEL_Y_RWD: Configuration = {
  modelId: 'model-y',
  trimId: 'my-rwd',
  paintId: 'my-paint-white',
  wheelsId: 'my-wheels-19',
  interiorId: 'my-int-black',
};

/** Model S Plaid with priced options. */
export const MODEL_S_PLAID: Configuration = {
  modelId: 'model-s',
  trimId: 'ms-plaid',
  paintId: 'ms-paint-red',
  wheelsId: 'ms-wheels-21',
  interiorId: 'ms-int-cream',
};

let nextTelegramId = 700_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
/** A Telegram user id not used before in this process. */
export const freshTelegramId = (): number => ++nextTelegramId;

export async function newCustomer(s: Services, telegramId = freshTelegramId()): Promise<Customer> {
  return s.customers.touch({ id: telegramId, first_name: 'Wei', language_code: 'zh-hans' });
}

export async function newOrder(s: Services, customer: Customer, configuration: Configuration = MODEL_Y_RWD, city = 'shanghai'): Promise<Order> {
  const catalog = await s.catalog.model(configuration.modelId);
  if (!catalog) throw new Error(`model ${configuration.modelId} missing from the seed`);
  return s.orders.create({ customerId: customer.id, catalog, configuration, contactName: 'Zhang Wei', phone: '13800138000', city }, `customer:${customer.telegramId}`);
}

/** A customer with an order moved to deposit_paid (as the payment flow would). */
export async function paidOrder(s: Services, configuration: Configuration = MODEL_Y_RWD): Promise<{ customer: Customer; order: Order }> {
  const customer = await newCustomer(s);
  const created = await newOrder(s, customer, configuration);
  const order = await s.orders.transition(created.id, 'deposit_paid', 'system', { note: 'test' });
  return { customer, order };
}

/**
 * A paid order's car allocated (a VIN made from the order id) and marked ready, as ops would:
 * delivery is booked, and its reminders sent, only from then on. Pass services without events
 * to keep the allocation and ready notices out of the reminder queue.
 */
export async function readyForDelivery(s: Services, orderId: number): Promise<Order> {
  await s.orders.transition(orderId, 'vehicle_allocated', 'system', { set: { vin: `LRWYGCEK1PC${String(orderId).padStart(6, '0')}` } });
  return s.orders.transition(orderId, 'ready_for_delivery', 'system');
}

/** Slots of a kind at a centre starting after `after` (default: a day from now), earliest first. */
export async function futureSlots(db: Db, kind: BookingKind, centreId: string, after = new Date(Date.now() + 86_400_000)): Promise<Slot[]> {
  return db
    .select()
    .from(slots)
    .where(and(eq(slots.kind, kind), eq(slots.centreId, centreId), gt(slots.startsAt, after)))
    .orderBy(asc(slots.startsAt), asc(slots.id));
}

export async function slotById(db: Db, id: number): Promise<Slot> {
  const [row] = await db.select().from(slots).where(eq(slots.id, id));
  if (!row) throw new Error(`slot ${id} missing`);
  return row;
}

let charge = 0;
/** A customer who paid for one Wall Connector in the store (Telegram's shipping form, JD standard); no car order. */
export async function boughtWallConnector(s: Services, language: 'en' | 'zh-hans' = 'zh-hans'): Promise<{ customer: Customer; storeOrderId: number; number: string }> {
  const customer = await s.customers.touch({ id: freshTelegramId(), first_name: 'Wei', language_code: language });
  await s.store.add(customer.id, 'wc3');
  const { order } = await s.storeCheckout.place(customer.id);
  const facts = {
    payload: storePayload(order.id),
    currency: 'CNY',
    totalAmount: order.goodsFen,
    payerTelegramId: customer.telegramId,
    shippingOptionId: 'standard',
    orderInfo: {
      name: 'Li Na',
      phone_number: '13900000000',
      shipping_address: { country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '1 Road', street_line2: '', post_code: '200000' },
    },
  };
  expect((await s.storeCheckout.preCheckout(facts)).ok).toBe(true);
  const paid = await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: `wc-${++charge}-${Date.now()}`, providerChargeId: 'p' });
  expect(paid.status).toBe('recorded');
  return { customer, storeOrderId: order.id, number: order.number };
}

/** The code of an AppError (undefined for anything else). */
export const codeOf = (err: unknown): string | undefined => (err instanceof AppError ? err.code : undefined);

/** Resolves to the rejection reason, failing the test if the promise fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it fulfilled');
}

export { sleep } from '../support/wait.js';

/** Waits until `n` sessions on the file's database wait for a lock (e.g. queued behind a row lock the test holds). */
export async function lockWaiters(t: TestDb, n: number): Promise<void> {
  await waitFor(`${n} sessions waiting for a lock`, async () => {
    const [row] = await t.sql<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity where datname = ${t.name} and wait_event_type = 'Lock'`;
    return row!.n >= n;
  });
}
