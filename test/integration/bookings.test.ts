import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { bookings, slots, type Slot } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { BookingService } from '../../src/domain/bookings/service.js';
import { AppError, ForbiddenError, NotFoundError } from '../../src/shared/errors.js';
import { localDateKey } from '../../src/shared/time.js';
import type { TestDb } from '../support/db.js';
import { codeOf, configFor, futureSlots, paidOrder, rejectionOf, slotById, TZ, withTestServices } from './helpers.js';

let t: TestDb;
let s: Services;

withTestServices((env) => {
  ({ t, s } = env);
});

const activeBookingsOn = async (slotId: number) =>
  t.db
    .select()
    .from(bookings)
    .where(and(eq(bookings.slotId, slotId), eq(bookings.state, 'active')));

/** The three delivery slots of one local day at a centre, in start order. */
function dayOf(all: Slot[], dateKey: string): Slot[] {
  return all.filter((x) => localDateKey(x.startsAt, TZ) === dateKey);
}

describe('BookingService.book capacity', () => {
  it('lets exactly `capacity` of 50 concurrent bookings of one slot through', async () => {
    const [slot] = await futureSlots(t.db, 'delivery', 'bj-yizhuang');
    expect(slot).toBeDefined();
    expect(slot!.capacity).toBe(3);
    expect(slot!.booked).toBe(0);

    const paid = await Promise.all(Array.from({ length: 50 }, () => paidOrder(s)));
    expect(new Set(paid.map((p) => p.order.id)).size).toBe(50);

    const results = await Promise.allSettled(
      paid.map(({ order }) => s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'bj-yizhuang', method: 'pickup' })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(3);
    expect(lost).toHaveLength(47);
    for (const r of lost) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect(codeOf(r.reason)).toBe('slot_full');
    }

    const after = await slotById(t.db, slot!.id);
    expect(after.booked).toBe(3);
    const rows = await activeBookingsOn(slot!.id);
    expect(rows).toHaveLength(3);
    const winners = won.map((r) => (r as PromiseFulfilledResult<{ orderId: number }>).value.orderId).sort();
    expect(rows.map((r) => r.orderId).sort()).toEqual(winners);
  });

  it('refuses a slot of another kind, another centre or one starting within 2 hours (slot_unavailable)', async () => {
    const { order } = await paidOrder(s);
    const [delivery] = await futureSlots(t.db, 'delivery', 'cd-gaoxin');
    const [installation] = await futureSlots(t.db, 'installation', 'cd-gaoxin');

    const wrongKind = await rejectionOf(s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: installation!.id, centreId: 'cd-gaoxin' }));
    expect(codeOf(wrongKind)).toBe('slot_unavailable');

    const wrongCentre = await rejectionOf(s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: delivery!.id, centreId: 'bj-yizhuang' }));
    expect(codeOf(wrongCentre)).toBe('slot_unavailable');

    const soon = new BookingService({ db: t.db, timeZone: TZ, now: () => new Date(delivery!.startsAt.getTime() - 90 * 60_000) });
    const tooSoon = await rejectionOf(soon.book({ orderId: order.id, kind: 'delivery', slotId: delivery!.id, centreId: 'cd-gaoxin' }));
    expect(codeOf(tooSoon)).toBe('slot_unavailable');

    expect((await slotById(t.db, delivery!.id)).booked).toBe(0);
    expect((await slotById(t.db, installation!.id)).booked).toBe(0);
  });
});

describe('rescheduling', () => {
  it('moves the booking and frees the old place in one transaction', async () => {
    const { order } = await paidOrder(s);
    const [a, b] = await futureSlots(t.db, 'delivery', 'sh-lingang');
    const first = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: a!.id, centreId: 'sh-lingang', method: 'home', address: 'Lane 1' });
    expect((await slotById(t.db, a!.id)).booked).toBe(1);

    const moved = await s.bookings.book({
      orderId: order.id,
      kind: 'delivery',
      slotId: b!.id,
      centreId: 'sh-lingang',
      method: 'home',
      address: 'Lane 1',
      replaces: first.id,
    });
    expect(moved.id).not.toBe(first.id);
    expect(moved.slotId).toBe(b!.id);
    expect(moved.slot.booked).toBe(1);
    expect((await slotById(t.db, a!.id)).booked).toBe(0);
    expect((await slotById(t.db, b!.id)).booked).toBe(1);

    const rows = await t.db.select().from(bookings).where(eq(bookings.orderId, order.id)).orderBy(bookings.id);
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      [first.id, 'cancelled'],
      [moved.id, 'active'],
    ]);
    expect(await s.bookings.activeFor([order.id])).toMatchObject([{ id: moved.id, slotId: b!.id }]);
  });

  it('keeps the old booking when the new slot is full (nothing half-done)', async () => {
    const { order } = await paidOrder(s);
    const all = await futureSlots(t.db, 'delivery', 'sh-lingang');
    const a = all[3]!;
    const full = all[4]!;
    const first = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: a.id, centreId: 'sh-lingang' });
    await t.db
      .update(slots)
      .set({ booked: sql`${slots.capacity}` })
      .where(eq(slots.id, full.id));

    const err = await rejectionOf(s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: full.id, centreId: 'sh-lingang', replaces: first.id }));
    expect(codeOf(err)).toBe('slot_full');
    expect((await slotById(t.db, a.id)).booked).toBe(1);
    expect((await slotById(t.db, full.id)).booked).toBe(full.capacity);
    expect((await s.bookings.activeFor([order.id])).map((x) => x.id)).toEqual([first.id]);
  });

  it('refuses to replace a booking that is no longer active or belongs to another order (booking_changed)', async () => {
    const mine = await paidOrder(s);
    const theirs = await paidOrder(s);
    const all = await futureSlots(t.db, 'delivery', 'sh-lingang');
    const [a, b, c] = [all[6]!, all[7]!, all[8]!];
    const their = await s.bookings.book({ orderId: theirs.order.id, kind: 'delivery', slotId: a.id, centreId: 'sh-lingang' });

    const forged = await rejectionOf(s.bookings.book({ orderId: mine.order.id, kind: 'delivery', slotId: b.id, centreId: 'sh-lingang', replaces: their.id }));
    expect(codeOf(forged)).toBe('booking_changed');
    expect((await s.bookings.activeFor([theirs.order.id])).map((x) => x.id)).toEqual([their.id]);
    expect((await slotById(t.db, a.id)).booked).toBe(1);
    expect((await slotById(t.db, b.id)).booked).toBe(0);

    const own = await s.bookings.book({ orderId: mine.order.id, kind: 'delivery', slotId: b.id, centreId: 'sh-lingang' });
    await s.bookings.cancel(own.id, mine.customer.id);
    const stale = await rejectionOf(s.bookings.book({ orderId: mine.order.id, kind: 'delivery', slotId: c.id, centreId: 'sh-lingang', replaces: own.id }));
    expect(codeOf(stale)).toBe('booking_changed');
    expect((await slotById(t.db, b.id)).booked).toBe(0);
    expect((await slotById(t.db, c.id)).booked).toBe(0);
  });
});

describe('one active booking of each kind per order', () => {
  it('refuses a second active delivery booking with already_booked and takes no place', async () => {
    const { order } = await paidOrder(s);
    const [a, b] = await futureSlots(t.db, 'delivery', 'sz-nanshan');
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: a!.id, centreId: 'sz-nanshan' });

    const err = await rejectionOf(s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: b!.id, centreId: 'sz-nanshan' }));
    // The transaction rolled back: the second slot's place is not taken, there is still one booking.
    expect((await slotById(t.db, b!.id)).booked).toBe(0);
    expect((await slotById(t.db, a!.id)).booked).toBe(1);
    expect(await s.bookings.activeFor([order.id])).toHaveLength(1);
    // The caller must get the domain error, not a raw database error. drizzle-orm 0.45 wraps driver
    // errors in DrizzleQueryError (the Postgres code is on `.cause`), so service.ts's
    // `err.code === '23505'` check never matches: see the report.
    expect(err).toBeInstanceOf(AppError);
    expect(codeOf(err)).toBe('already_booked');
  });

  it('allows an installation booking beside the delivery booking', async () => {
    const { order } = await paidOrder(s);
    const [delivery] = await futureSlots(t.db, 'delivery', 'sz-nanshan', new Date(Date.now() + 3 * 86_400_000));
    const [installation] = await futureSlots(t.db, 'installation', 'sz-nanshan');
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: delivery!.id, centreId: 'sz-nanshan' });
    const inst = await s.bookings.book({
      orderId: order.id,
      kind: 'installation',
      slotId: installation!.id,
      centreId: 'sz-nanshan',
      address: 'Room 101',
      parking: 'garage',
      permission: true,
    });
    expect(inst).toMatchObject({ kind: 'installation', parking: 'garage', permission: true, state: 'active' });
    expect((await s.bookings.activeFor([order.id])).map((x) => x.kind).sort()).toEqual(['delivery', 'installation']);
  });
});

describe('cancel and ownership', () => {
  it('cancel frees the place; a second cancel is refused', async () => {
    const { customer, order } = await paidOrder(s);
    const [slot] = await futureSlots(t.db, 'delivery', 'hz-xiaoshan');
    const booking = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'hz-xiaoshan' });
    expect((await slotById(t.db, slot!.id)).booked).toBe(1);

    const cancelled = await s.bookings.cancel(booking.id, customer.id);
    expect(cancelled.state).toBe('cancelled');
    expect((await slotById(t.db, slot!.id)).booked).toBe(0);
    expect(await s.bookings.activeFor([order.id])).toEqual([]);

    expect(codeOf(await rejectionOf(s.bookings.cancel(booking.id, customer.id)))).toBe('booking_changed');
    expect((await slotById(t.db, slot!.id)).booked).toBe(0);

    // The order can book again once its booking is cancelled.
    const again = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'hz-xiaoshan' });
    expect(again.state).toBe('active');
  });

  it("forCustomer / cancel refuse another customer's booking and unknown ids", async () => {
    const owner = await paidOrder(s);
    const other = await paidOrder(s);
    const slot = (await futureSlots(t.db, 'delivery', 'hz-xiaoshan'))[3]!;
    const booking = await s.bookings.book({ orderId: owner.order.id, kind: 'delivery', slotId: slot.id, centreId: 'hz-xiaoshan' });

    const mine = await s.bookings.forCustomer(booking.id, owner.customer.id);
    expect(mine).toMatchObject({ id: booking.id, orderId: owner.order.id, slot: { id: slot.id } });

    expect(await rejectionOf(s.bookings.forCustomer(booking.id, other.customer.id))).toBeInstanceOf(ForbiddenError);
    expect(await rejectionOf(s.bookings.forCustomer(2_000_000_000, owner.customer.id))).toBeInstanceOf(NotFoundError);
    expect(await rejectionOf(s.bookings.cancel(booking.id, other.customer.id))).toBeInstanceOf(ForbiddenError);
    expect((await slotById(t.db, slot.id)).booked).toBe(1);
    expect((await s.bookings.forCustomer(booking.id, owner.customer.id)).state).toBe('active');
  });
});

describe('bookings that are history', () => {
  it('a booking whose slot has begun cannot be cancelled or moved, and keeps its place (booking_past)', async () => {
    const { customer, order } = await paidOrder(s);
    const all = await futureSlots(t.db, 'delivery', 'hz-xiaoshan');
    const [slot, other] = [all[5]!, all[8]!];
    const booking = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: 'hz-xiaoshan' });
    // The same services an hour after the slot began.
    const later = createServices(t.db, configFor(t.url), { now: () => new Date(slot.startsAt.getTime() + 3600_000) });
    expect(codeOf(await rejectionOf(later.bookings.cancel(booking.id, customer.id)))).toBe('booking_past');
    const move = later.bookings.book({ orderId: order.id, kind: 'delivery', slotId: other.id, centreId: 'hz-xiaoshan', replaces: booking.id });
    expect(codeOf(await rejectionOf(move))).toBe('booking_past');
    expect((await slotById(t.db, slot.id)).booked).toBe(1);
    expect((await s.bookings.forCustomer(booking.id, customer.id)).state).toBe('active');
  });

  it('an installation marked installed cannot be cancelled from an old button, even before its slot', async () => {
    const { customer, order } = await paidOrder(s);
    const [slot] = (await futureSlots(t.db, 'installation', 'hz-xiaoshan')).slice(-1);
    const booking = await s.bookings.book({
      orderId: order.id,
      kind: 'installation',
      slotId: slot!.id,
      centreId: 'hz-xiaoshan',
      address: 'No. 1 Test Road',
      parking: 'garage',
      permission: true,
    });
    await t.db.execute(sql`update installations set state = 'installed' where order_id = ${order.id}`);
    expect(codeOf(await rejectionOf(s.bookings.cancel(booking.id, customer.id)))).toBe('booking_past');
    expect((await slotById(t.db, slot!.id)).booked).toBe(1);
  });
});

describe('availability (fixed clock)', () => {
  it('freeSlotsOn and availableDays skip full slots and slots starting within 2 hours', async () => {
    const all = await futureSlots(t.db, 'delivery', 'gz-panyu', new Date());
    const dayKey = localDateKey(all[0]!.startsAt, TZ);
    const day = dayOf(all, dayKey);
    expect(day).toHaveLength(3);
    const [s10, s14, s16] = day as [Slot, Slot, Slot];

    // Three hours before the first slot: all three are offered.
    const early = new BookingService({ db: t.db, timeZone: TZ, now: () => new Date(s10.startsAt.getTime() - 3 * 3_600_000) });
    expect((await early.freeSlotsOn('delivery', 'gz-panyu', dayKey)).map((x) => x.id)).toEqual([s10.id, s14.id, s16.id]);

    // One hour before the first slot: it starts within the lead time.
    const now = new Date(s10.startsAt.getTime() - 3_600_000);
    const svc = new BookingService({ db: t.db, timeZone: TZ, now: () => now });
    expect((await svc.freeSlotsOn('delivery', 'gz-panyu', dayKey)).map((x) => x.id)).toEqual([s14.id, s16.id]);

    // A full slot disappears.
    await t.db
      .update(slots)
      .set({ booked: sql`${slots.capacity}` })
      .where(eq(slots.id, s14.id));
    expect((await svc.freeSlotsOn('delivery', 'gz-panyu', dayKey)).map((x) => x.id)).toEqual([s16.id]);

    // A fully booked day disappears from availableDays.
    const nextKey = localDateKey(new Date(s10.startsAt.getTime() + 86_400_000), TZ);
    const nextDay = dayOf(all, nextKey);
    expect(nextDay).toHaveLength(3);
    for (const x of nextDay) await t.db.update(slots).set({ booked: x.capacity }).where(eq(slots.id, x.id));
    // …and a partly booked slot counts only its free places.
    const third = dayOf(all, localDateKey(new Date(s10.startsAt.getTime() + 2 * 86_400_000), TZ));
    await t.db.update(slots).set({ booked: 2 }).where(eq(slots.id, third[0]!.id));

    const days = await svc.availableDays('delivery', 'gz-panyu');
    expect(days[0]).toEqual({ dateKey: dayKey, free: s16.capacity });
    expect(days.map((d) => d.dateKey)).not.toContain(nextKey);
    expect(days[1]).toEqual({ dateKey: localDateKey(third[0]!.startsAt, TZ), free: 3 * 3 - 2 });
    for (const d of days) expect(d.free).toBeGreaterThan(0);

    // Cross-check every day against the table itself.
    const earliest = now.getTime() + 2 * 3_600_000;
    const fresh = await futureSlots(t.db, 'delivery', 'gz-panyu', new Date(earliest));
    const expected = new Map<string, number>();
    for (const x of fresh) {
      if (x.booked >= x.capacity) continue;
      const k = localDateKey(x.startsAt, TZ);
      expected.set(k, (expected.get(k) ?? 0) + x.capacity - x.booked);
    }
    expect(days).toEqual([...expected].map(([dateKey, free]) => ({ dateKey, free })));

    // Later the same day: every remaining slot is too soon or full, so the day is gone.
    const late = new BookingService({ db: t.db, timeZone: TZ, now: () => new Date(s16.startsAt.getTime() - 90 * 60_000) });
    expect(await late.freeSlotsOn('delivery', 'gz-panyu', dayKey)).toEqual([]);
    expect((await late.availableDays('delivery', 'gz-panyu')).map((d) => d.dateKey)).not.toContain(dayKey);
  });
});

describe('slots CHECK constraint', () => {
  it('refuses booked > capacity and booked < 0 at the SQL level', async () => {
    const all = await futureSlots(t.db, 'delivery', 'cd-gaoxin');
    const slot = all[all.length - 1]!;
    const over = (await rejectionOf(t.sql`update slots set booked = capacity + 1 where id = ${slot.id}`)) as { code?: string; constraint_name?: string };
    expect(over.code).toBe('23514');
    expect(over.constraint_name).toBe('slots_capacity');
    const under = (await rejectionOf(t.sql`update slots set booked = -1 where id = ${slot.id}`)) as { code?: string };
    expect(under.code).toBe('23514');
    await t.sql`update slots set booked = capacity where id = ${slot.id}`;
    expect((await slotById(t.db, slot.id)).booked).toBe(slot.capacity);
  });
});
