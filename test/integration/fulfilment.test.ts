/**
 * Fulfilment on real Postgres: the four ops steps (allocate, ready, delivered, installed), the
 * moves they refuse, the audit rows and domain events they leave, the worklist sections, and the
 * staff roles that guard them.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, slots, staff, type BookingKind, type Order, type Slot } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { noEvents, type DomainEvents } from '../../src/domain/events.js';
import { IllegalInstallationTransitionError } from '../../src/domain/installations/transitions.js';
import { AppError, NotFoundError } from '../../src/shared/errors.js';
import { addDays, localDateKey, zonedDayStart } from '../../src/shared/time.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { codeOf, configFor, freshTelegramId, newCustomer, newOrder, paidOrder, rejectionOf, TZ } from './helpers.js';

let t: TestDb;
let s: Services;
/** Domain events as the services announced them ("<orderId> from→to by actor"). */
const announced: string[] = [];

const hooks: DomainEvents = {
  ...noEvents,
  orderStateChanged: (order, from, to, actor) => {
    announced.push(`${order.id} ${from}→${to} by ${actor}`);
    return Promise.resolve();
  },
  installationChanged: (i, from, to, actor) => {
    announced.push(`installation ${i.id} ${from}→${to} by ${actor}`);
    return Promise.resolve();
  },
};

beforeAll(async () => {
  t = await createTestDb();
  s = createServices(t.db, configFor(t.url), { events: hooks });
});

afterAll(async () => {
  await t?.drop();
});

const OPS = 'staff:4242';
let vinCounter = 100_000 + Math.floor(Math.random() * 800_000);
/** A valid VIN not used before in this file. */
const freshVin = () => `LRWYGCEK1PC${String(++vinCounter).padStart(6, '0')}`;
const orderEventsOf = async (orderId: number) => (await s.orders.events(orderId)).filter((e) => e.subject === 'order').map((e) => [e.fromState, e.toState, e.actor, e.note]);
const reread = async (id: number) => (await s.orders.byId(id))!;

/** A slot of `kind` at the Shanghai centre with room, `dayOffset` local days from today. */
async function slotOn(kind: BookingKind, dayOffset: number): Promise<Slot> {
  const [centre] = await s.bookings.centresIn('shanghai');
  const key = localDateKey(addDays(zonedDayStart(new Date(), TZ), dayOffset, TZ), TZ);
  const rows = await t.db
    .select()
    .from(slots)
    .where(and(eq(slots.kind, kind), eq(slots.centreId, centre!.id), gt(slots.startsAt, new Date(Date.now() + 3 * 3_600_000))))
    .orderBy(asc(slots.startsAt));
  const slot = rows.find((r) => localDateKey(r.startsAt, TZ) === key && r.booked < r.capacity);
  if (!slot) throw new Error(`no free ${kind} slot on day +${dayOffset}`);
  return slot;
}

async function book(order: Order, kind: BookingKind, dayOffset: number) {
  const slot = await slotOn(kind, dayOffset);
  return s.bookings.book({
    orderId: order.id,
    kind,
    slotId: slot.id,
    centreId: slot.centreId,
    method: kind === 'delivery' ? 'pickup' : undefined,
    address: kind === 'installation' ? '上海市浦东新区世纪大道 100 号 B2-117' : undefined,
    parking: kind === 'installation' ? 'garage' : undefined,
    permission: kind === 'installation' ? true : undefined,
    actor: 'customer:1',
  });
}

/** A paid order taken to `state` through the real steps. */
async function orderAt(state: 'deposit_paid' | 'vehicle_allocated' | 'ready_for_delivery' | 'delivery_scheduled'): Promise<Order> {
  const { order } = await paidOrder(s);
  if (state === 'deposit_paid') return order;
  await s.fulfilment.allocate(order.id, freshVin(), OPS);
  if (state === 'vehicle_allocated') return reread(order.id);
  await s.fulfilment.markReady(order.id, OPS);
  if (state === 'ready_for_delivery') return reread(order.id);
  await book(order, 'delivery', 1);
  return reread(order.id);
}

describe('allocate', () => {
  it('deposit_paid → vehicle_allocated with the VIN (normalised), the expected week, an audit row and an event', async () => {
    const { order } = await paidOrder(s);
    const vin = freshVin();
    const updated = await s.fulfilment.allocate(order.id, ` ${vin.slice(0, 8).toLowerCase()}-${vin.slice(8)} `, OPS);
    expect(updated).toMatchObject({ state: 'vehicle_allocated', vin });
    // Delivery expected in the week two weeks ahead: a Monday, local midnight.
    const week = updated.expectedDeliveryWeek!;
    expect(new Intl.DateTimeFormat('en-US', { timeZone: TZ, weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).format(week)).toBe('Mon, 00');
    const days = (week.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6);
    expect(days).toBeLessThan(15);
    expect((await orderEventsOf(order.id)).at(-1)).toEqual(['deposit_paid', 'vehicle_allocated', OPS, `VIN ${vin}`]);
    expect(announced).toContain(`${order.id} deposit_paid→vehicle_allocated by ${OPS}`);
  });

  it('refuses an invalid VIN and changes nothing', async () => {
    const { order } = await paidOrder(s);
    const before = (await s.orders.events(order.id)).length;
    for (const bad of ['LRWYGCEK1PC12345', 'LRWYGCEK1PC1234567', 'LRWYGCEK1PC12345O', 'IRWYGCEK1PC123456', 'LRWYGCEK1PQ123456', '']) {
      expect(codeOf(await rejectionOf(s.fulfilment.allocate(order.id, bad, OPS)))).toBe('invalid_vin');
    }
    expect(await reread(order.id)).toMatchObject({ state: 'deposit_paid', vin: null });
    expect((await s.orders.events(order.id)).length).toBe(before);
  });

  it('refuses a VIN already on another order, naming that order', async () => {
    const first = await orderAt('vehicle_allocated');
    const { order } = await paidOrder(s);
    const err = await rejectionOf(s.fulfilment.allocate(order.id, first.vin!.toLowerCase(), OPS));
    expect(codeOf(err)).toBe('vin_in_use');
    expect((err as AppError).details).toEqual({ orderId: first.id });
    expect(await reread(order.id)).toMatchObject({ state: 'deposit_paid', vin: null });
  });

  it('of one VIN to two orders at the same moment: exactly one wins', async () => {
    const [a, b] = [(await paidOrder(s)).order, (await paidOrder(s)).order];
    const vin = freshVin();
    const results = await Promise.allSettled([s.fulfilment.allocate(a.id, vin, OPS), s.fulfilment.allocate(b.id, vin, OPS)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(codeOf(failure.reason)).toBe('vin_in_use');
    expect(await t.db.select({ id: orders.id }).from(orders).where(eq(orders.vin, vin))).toHaveLength(1);
  });

  it('refuses an order not (or no longer) awaiting allocation', async () => {
    const customer = await newCustomer(s);
    const unpaid = await newOrder(s, customer);
    expect(codeOf(await rejectionOf(s.fulfilment.allocate(unpaid.id, freshVin(), OPS)))).toBe('order_state_changed');
    const allocated = await orderAt('vehicle_allocated');
    const err = await rejectionOf(s.fulfilment.allocate(allocated.id, freshVin(), OPS));
    expect(codeOf(err)).toBe('order_state_changed');
    expect((err as AppError).details).toMatchObject({ from: 'vehicle_allocated' });
    expect((await reread(allocated.id)).vin).toBe(allocated.vin);
    expect(await rejectionOf(s.fulfilment.allocate(2_000_000_000, freshVin(), OPS))).toBeInstanceOf(NotFoundError);
  });
});

describe('markReady', () => {
  it('vehicle_allocated → ready_for_delivery when no delivery is booked', async () => {
    const order = await orderAt('vehicle_allocated');
    expect((await s.fulfilment.markReady(order.id, OPS)).state).toBe('ready_for_delivery');
    expect((await orderEventsOf(order.id)).at(-1)).toEqual(['vehicle_allocated', 'ready_for_delivery', OPS, null]);
  });

  it('goes on to delivery_scheduled when the customer already booked a slot, with both audit rows and events', async () => {
    const order = await orderAt('vehicle_allocated');
    const booking = await book(order, 'delivery', 3);
    expect((await reread(order.id)).state).toBe('vehicle_allocated');
    expect((await s.fulfilment.markReady(order.id, OPS)).state).toBe('delivery_scheduled');
    expect((await orderEventsOf(order.id)).slice(-2)).toEqual([
      ['vehicle_allocated', 'ready_for_delivery', OPS, null],
      ['ready_for_delivery', 'delivery_scheduled', OPS, `booking ${booking.id}`],
    ]);
    const mine = announced.filter((a) => a.startsWith(`${order.id} `));
    expect(mine.slice(-2)).toEqual([`${order.id} vehicle_allocated→ready_for_delivery by ${OPS}`, `${order.id} ready_for_delivery→delivery_scheduled by ${OPS}`]);
  });

  it('refuses other states (a second press included)', async () => {
    const paid = await orderAt('deposit_paid');
    expect(codeOf(await rejectionOf(s.fulfilment.markReady(paid.id, OPS)))).toBe('order_state_changed');
    const ready = await orderAt('ready_for_delivery');
    const before = (await s.orders.events(ready.id)).length;
    expect(codeOf(await rejectionOf(s.fulfilment.markReady(ready.id, OPS)))).toBe('order_state_changed');
    expect((await s.orders.events(ready.id)).length).toBe(before);
  });
});

describe('markDelivered', () => {
  it('delivery_scheduled → delivered, stamped, audited; a second press is refused', async () => {
    const order = await orderAt('delivery_scheduled');
    expect(order.state).toBe('delivery_scheduled');
    const delivered = await s.fulfilment.markDelivered(order.id, OPS);
    expect(delivered.state).toBe('delivered');
    expect(Math.abs(delivered.deliveredAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect((await orderEventsOf(order.id)).at(-1)).toEqual(['delivery_scheduled', 'delivered', OPS, null]);
    expect(codeOf(await rejectionOf(s.fulfilment.markDelivered(order.id, OPS)))).toBe('order_state_changed');
  });

  it('refuses an order whose delivery is not scheduled', async () => {
    for (const state of ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery'] as const) {
      const order = await orderAt(state);
      expect(codeOf(await rejectionOf(s.fulfilment.markDelivered(order.id, OPS)))).toBe('order_state_changed');
      expect((await reread(order.id)).state).toBe(state);
    }
  });
});

describe('markInstalled', () => {
  it('scheduled → installed with an installation audit row; again is an illegal transition', async () => {
    const order = await orderAt('delivery_scheduled');
    await book(order, 'installation', 2);
    const [installation] = await s.fulfilment.installationsOf(order.id);
    expect(installation).toMatchObject({ state: 'scheduled' });
    expect(await s.fulfilment.installation(installation!.id)).toMatchObject({ id: installation!.id, orderId: order.id });

    const done = await s.fulfilment.markInstalled(installation!.id, OPS);
    expect(done.state).toBe('installed');
    expect(done.installedAt).toBeInstanceOf(Date);
    const events = await s.orders.events(order.id);
    expect(events.at(-1)).toMatchObject({ subject: 'installation', fromState: 'scheduled', toState: 'installed', actor: OPS });
    expect(announced).toContain(`installation ${installation!.id} scheduled→installed by ${OPS}`);
    // The car order itself did not move.
    expect((await reread(order.id)).state).toBe('delivery_scheduled');

    const again = await rejectionOf(s.fulfilment.markInstalled(installation!.id, OPS));
    expect(again).toBeInstanceOf(IllegalInstallationTransitionError);
    expect((again as IllegalInstallationTransitionError).from).toBe('installed');
    expect((await s.orders.events(order.id)).length).toBe(events.length);
  });

  it('refuses a cancelled installation and an unknown id', async () => {
    const { customer, order } = await paidOrder(s);
    const booking = await book(order, 'installation', 3);
    await s.bookings.cancel(booking.id, customer.id, 'customer:test');
    const [installation] = await s.fulfilment.installationsOf(order.id);
    expect(installation!.state).toBe('cancelled');
    expect(codeOf(await rejectionOf(s.fulfilment.markInstalled(installation!.id, OPS)))).toBe('illegal_transition');
    expect(await rejectionOf(s.fulfilment.markInstalled(2_000_000_000, OPS))).toBeInstanceOf(NotFoundError);
    expect(await s.fulfilment.installation(2_000_000_000)).toBeNull();
  });
});

describe('worklist', () => {
  it('puts each order in its section: to allocate, to mark ready, not booked, deliveries today+tomorrow, installations this week', async () => {
    const paid = await orderAt('deposit_paid');
    const allocated = await orderAt('vehicle_allocated');
    const ready = await orderAt('ready_for_delivery');
    const tomorrow = await orderAt('delivery_scheduled'); // booked for tomorrow
    const later = await orderAt('ready_for_delivery');
    await book(later, 'delivery', 5);
    const installSoon = await orderAt('deposit_paid');
    await book(installSoon, 'installation', 4);
    const installLater = await orderAt('deposit_paid');
    await book(installLater, 'installation', 10);
    const delivered = await orderAt('delivery_scheduled');
    await s.fulfilment.markDelivered(delivered.id, OPS);

    const wl = await s.fulfilment.worklist();
    const ids = (list: Order[]) => list.map((o) => o.id);
    expect(ids(wl.toAllocate)).toEqual(expect.arrayContaining([paid.id, installSoon.id, installLater.id]));
    expect(ids(wl.toMarkReady)).toContain(allocated.id);
    expect(ids(wl.readyNotBooked)).toContain(ready.id);
    expect(ids(wl.readyNotBooked)).not.toContain(later.id);
    const deliveryIds = wl.deliveries.map((d) => d.order.id);
    expect(deliveryIds).toContain(tomorrow.id);
    expect(deliveryIds).not.toContain(later.id);
    expect(deliveryIds).not.toContain(delivered.id);
    const installIds = wl.installations.map((i) => i.order.id);
    expect(installIds).toContain(installSoon.id);
    expect(installIds).not.toContain(installLater.id);
    // Every order in a section really is in that section's state.
    expect(wl.toAllocate.every((o) => o.state === 'deposit_paid')).toBe(true);
    expect(wl.toMarkReady.every((o) => o.state === 'vehicle_allocated')).toBe(true);
    expect(wl.readyNotBooked.every((o) => o.state === 'ready_for_delivery')).toBe(true);
    expect(wl.installations.every((i) => i.installation.state === 'scheduled')).toBe(true);
    // Sorted by time, so the first job of the day comes first.
    const starts = wl.deliveries.map((d) => d.slot.startsAt.getTime());
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
  });
});

describe('StaffService', () => {
  it('adds a role once, reports the duplicate, and removes it', async () => {
    const id = freshTelegramId();
    expect(await s.staff.rolesOf(id)).toEqual([]);
    expect(await s.staff.add(id, 'ops', 'staff:1')).toBe(true);
    expect(await s.staff.add(id, 'ops', 'staff:1')).toBe(false);
    expect(await s.staff.add(id, 'agent', 'staff:1')).toBe(true);
    expect((await s.staff.rolesOf(id)).sort()).toEqual(['agent', 'ops']);
    expect(await s.staff.remove(id, 'ops')).toBe(true);
    expect(await s.staff.remove(id, 'ops')).toBe(false);
    expect(await s.staff.rolesOf(id)).toEqual(['agent']);
  });

  it('can(): the role itself, or admin for everything; customers can nothing', async () => {
    const [opsId, adminId, customerId] = [freshTelegramId(), freshTelegramId(), freshTelegramId()];
    await s.staff.add(opsId, 'ops', 'staff:1');
    await s.staff.add(adminId, 'admin', 'staff:1');
    expect(await s.staff.can(opsId, 'ops')).toBe(true);
    expect(await s.staff.can(opsId, 'agent')).toBe(false);
    expect(await s.staff.can(opsId, 'admin')).toBe(false);
    for (const role of ['admin', 'agent', 'marketer', 'ops'] as const) {
      expect(await s.staff.can(adminId, role)).toBe(true);
      expect(await s.staff.can(customerId, role)).toBe(false);
    }
  });

  it('list() and directory(): every row, one directory entry per person with their name if known', async () => {
    const known = freshTelegramId();
    await s.customers.touch({ id: known, first_name: 'Li', last_name: 'Na', username: 'lina_ops' });
    const unknown = freshTelegramId();
    await s.staff.add(known, 'ops', 'staff:1');
    await s.staff.add(known, 'marketer', 'staff:1');
    await s.staff.add(unknown, 'agent', 'staff:1');
    const rows = await s.staff.list();
    expect(
      rows
        .filter((r) => r.telegramId === known)
        .map((r) => r.role)
        .sort(),
    ).toEqual(['marketer', 'ops']);
    const directory = await s.staff.directory();
    expect(directory.find((e) => e.telegramId === known)).toEqual({ telegramId: known, roles: ['marketer', 'ops'], name: 'Li Na', username: 'lina_ops' });
    expect(directory.find((e) => e.telegramId === unknown)).toEqual({ telegramId: unknown, roles: ['agent'], name: null, username: null });
    expect(new Set(directory.map((e) => e.telegramId)).size).toBe(directory.length);
  });

  it('bootstrapAdmins() makes the configured ids admins, idempotently, and demotes nobody', async () => {
    const [a, b] = [freshTelegramId(), freshTelegramId()];
    await s.staff.bootstrapAdmins([a, b]);
    await s.staff.bootstrapAdmins([a, b]);
    const rows = await t.db.select().from(staff).where(eq(staff.role, 'admin'));
    expect(rows.filter((r) => r.telegramId === a || r.telegramId === b).map((r) => r.addedBy)).toEqual(['config:ADMIN_IDS', 'config:ADMIN_IDS']);
    await s.staff.bootstrapAdmins([a]);
    expect(await s.staff.can(b, 'admin')).toBe(true);
  });
});
