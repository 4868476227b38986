/**
 * A Wall Connector bought in the store by a customer without a car order: its installation is
 * booked on the store order (bookings/installations.store_order_id), on real Postgres. The
 * database keeps exactly one owner per row; the booking service books, refuses a second booking,
 * keeps other customers out, cancels and frees the slot; ops mark it installed with an audit row
 * on the store order; the reminders that read installations skip it cleanly.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { bookings, installations, slots, storeOrderEvents } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import { skipReason } from '../../src/domain/reminders/relevance.js';
import { ReminderRepository } from '../../src/domain/reminders/repository.js';
import { AppError, ForbiddenError, pgErrorCode } from '../../src/shared/errors.js';
import type { TestDb } from '../support/db.js';
import { boughtWallConnector, futureSlots, newCustomer, paidOrder, rejectionOf, slotById, withTestServices } from './helpers.js';

let t: TestDb;
let s: Services;

withTestServices((env) => {
  ({ t, s } = env);
});

const installationInput = (storeOrderId: number, slotId: number) => ({
  storeOrderId,
  kind: 'installation' as const,
  slotId,
  centreId: 'sh-lingang',
  address: 'Tomson Riviera B2-117',
  parking: 'garage' as const,
  permission: true,
  actor: 'customer:test',
});

describe('installation owner', () => {
  it('the database refuses a booking or installation with no owner, with two, or a store delivery', async () => {
    const { order } = await paidOrder(s);
    const { storeOrderId } = await boughtWallConnector(s);
    const [slot] = await futureSlots(t.db, 'installation', 'sh-lingang');
    const base = { kind: 'installation' as const, slotId: slot!.id, address: 'x', parking: 'garage' as const, permission: true };
    for (const owner of [{}, { orderId: order.id, storeOrderId }]) {
      expect(pgErrorCode(await rejectionOf(t.db.insert(bookings).values({ ...base, ...owner })))).toBe('23514');
      expect(pgErrorCode(await rejectionOf(t.db.insert(installations).values({ state: 'scheduled', address: 'x', parking: 'garage', ...owner })))).toBe('23514');
    }
    expect(pgErrorCode(await rejectionOf(t.db.insert(bookings).values({ ...base, kind: 'delivery', storeOrderId })))).toBe('23514');
    // The service says so before the database has to.
    const refused = await rejectionOf(s.bookings.book({ ...installationInput(storeOrderId, slot!.id), orderId: order.id }));
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('bad_owner');
  });
});

describe('a store order’s installation', () => {
  it('books once, keeps other customers out, cancels and frees the slot; a car order’s booking is untouched', async () => {
    const { customer, storeOrderId } = await boughtWallConnector(s);
    const [slot] = await futureSlots(t.db, 'installation', 'sh-lingang');
    const before = slot!.booked;
    const booking = await s.bookings.book(installationInput(storeOrderId, slot!.id));
    expect(booking).toMatchObject({ orderId: null, storeOrderId, kind: 'installation', state: 'active' });
    expect((await slotById(t.db, slot!.id)).booked).toBe(before + 1);
    const [installation] = await t.db.select().from(installations).where(eq(installations.storeOrderId, storeOrderId));
    expect(installation).toMatchObject({ orderId: null, state: 'scheduled', address: 'Tomson Riviera B2-117', parking: 'garage' });
    const trail = await t.db.select().from(storeOrderEvents).where(eq(storeOrderEvents.orderId, storeOrderId)).orderBy(storeOrderEvents.id);
    expect(trail.slice(-2).map((e) => [e.fromState, e.toState])).toEqual([
      [null, 'installation_requested'],
      ['installation_requested', 'installation_scheduled'],
    ]);

    // A second booking for the same store order is refused (the partial unique index).
    const [other] = (await futureSlots(t.db, 'installation', 'sh-lingang')).filter((x) => x.id !== slot!.id);
    const again = await rejectionOf(s.bookings.book(installationInput(storeOrderId, other!.id)));
    expect((again as AppError).code).toBe('already_booked');
    expect((await slotById(t.db, other!.id)).booked).toBe(other!.booked);
    expect(await s.bookings.activeForStoreOrder(storeOrderId)).toMatchObject({ id: booking.id });

    // Someone else's customer id: refused, nothing changes.
    const stranger = await newCustomer(s);
    expect(await rejectionOf(s.bookings.cancel(booking.id, stranger.id))).toBeInstanceOf(ForbiddenError);
    expect((await s.bookings.forCustomer(booking.id, customer.id)).state).toBe('active');

    await s.bookings.cancel(booking.id, customer.id);
    expect((await slotById(t.db, slot!.id)).booked).toBe(before);
    expect((await t.db.select().from(installations).where(eq(installations.id, installation!.id)))[0]!.state).toBe('cancelled');
    expect(await s.bookings.activeForStoreOrder(storeOrderId)).toBeNull();
    // Booking again after a cancellation is fine.
    const rebooked = await s.bookings.book(installationInput(storeOrderId, slot!.id));
    expect(rebooked.state).toBe('active');
  });

  it('ops mark it installed (audited on the store order); the reminders that read installations skip it cleanly', async () => {
    const { storeOrderId } = await boughtWallConnector(s);
    const [slot] = await futureSlots(t.db, 'installation', 'sh-lingang');
    const booking = await s.bookings.book(installationInput(storeOrderId, slot!.id));
    const [installation] = await t.db.select().from(installations).where(eq(installations.storeOrderId, storeOrderId));

    // Listed for ops with the week's installations.
    const due = await s.bookings.storeInstallationsDue(new Date(), new Date(slot!.startsAt.getTime() + 1));
    expect(due.map((d) => d.installation.id)).toContain(installation!.id);

    const repo = new ReminderRepository(t.db);
    const now = new Date();
    const t24 = { kind: 'installation' as const, bookingId: booking.id };
    expect(skipReason(t24, await repo.load(t24), now)).toBe('gone');

    const done = await s.fulfilment.markInstalled(installation!.id, 'staff:1');
    expect(done).toMatchObject({ state: 'installed', storeOrderId, orderId: null });
    const [last] = await t.db
      .select()
      .from(storeOrderEvents)
      .where(eq(storeOrderEvents.orderId, storeOrderId))
      .orderBy(sql`${storeOrderEvents.id} desc`)
      .limit(1);
    expect(last).toMatchObject({ fromState: 'installation_scheduled', toState: 'installation_installed', actor: 'staff:1' });
    const notice = { kind: 'notify-installation' as const, installationId: installation!.id };
    expect(skipReason(notice, await repo.load(notice), now)).toBe('gone');
    // No longer due for ops.
    const after = await s.bookings.storeInstallationsDue(new Date(), new Date(slot!.startsAt.getTime() + 1));
    expect(after.map((d) => d.installation.id)).not.toContain(installation!.id);
    expect((await t.db.select().from(slots).where(eq(slots.id, slot!.id)))[0]!.booked).toBeGreaterThan(0);
  });
});
