import { readdirSync } from 'node:fs';
import { rootPath } from '../../src/shared/paths.js';
import { and, eq, gt, gte, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { slots } from '../../src/db/schema/index.js';
import { ensureSlots, isCatalogEmpty, readCatalogFile, seed } from '../../src/db/seed.js';
import type { Services } from '../../src/deps.js';
import { addDays, localDateKey, zonedDayStart } from '../../src/shared/time.js';
import { adminUrl, testDbName, urlFor, type TestDb } from '../support/db.js';
import { paidOrder, slotById, TZ, withTestServices } from './helpers.js';

const DAY = 86_400_000;
const catalog = readCatalogFile();
const centresCount = catalog.deliveryCentres.length;
const slotsPerDay = centresCount * (catalog.slotTemplates.delivery.length + catalog.slotTemplates.installation.length);

const countSlots = async (db: TestDb['db']) => (await db.select({ n: sql<number>`count(*)::int` }).from(slots))[0]!.n;

describe('ensureSlots', () => {
  let t: TestDb;
  let s: Services;

  withTestServices((env) => {
    ({ t, s } = env);
  });

  it('matches the data file: 6 centres, 5 slots a day each, 14 days', () => {
    expect(centresCount).toBe(6);
    expect(slotsPerDay).toBe(30);
    expect(catalog.slotTemplates.days).toBe(14);
  });

  it('is idempotent: a second run on the same day inserts nothing', async () => {
    const now = new Date();
    // The template was seeded when the run started; the first call only fills a day boundary crossed since.
    const first = await ensureSlots(t.db, { timeZone: TZ, now });
    expect(first === 0 || first === slotsPerDay).toBe(true);
    const total = await countSlots(t.db);
    expect(await ensureSlots(t.db, { timeZone: TZ, now })).toBe(0);
    expect(await ensureSlots(t.db, { timeZone: TZ, now: new Date(now.getTime() + 60_000) })).toBe(0);
    expect(await countSlots(t.db)).toBe(total);

    // Every centre has its 5 slots on each of the next 14 local days, starting tomorrow.
    const today = zonedDayStart(now, TZ);
    const rows = await t.db.select().from(slots).where(gt(slots.startsAt, today));
    const byDay = new Map<string, number>();
    for (const r of rows) byDay.set(localDateKey(r.startsAt, TZ), (byDay.get(localDateKey(r.startsAt, TZ)) ?? 0) + 1);
    for (let d = 1; d <= 14; d++) expect(byDay.get(localDateKey(addDays(today, d, TZ), TZ))).toBe(slotsPerDay);
    expect(byDay.get(localDateKey(today, TZ))).toBeUndefined();
  });

  it('places slots at the template times in the business time zone', async () => {
    const tomorrow = addDays(zonedDayStart(new Date(), TZ), 1, TZ);
    const [first] = await t.db
      .select()
      .from(slots)
      .where(and(eq(slots.centreId, 'bj-yizhuang'), eq(slots.kind, 'delivery'), gte(slots.startsAt, tomorrow)))
      .orderBy(slots.startsAt)
      .limit(1);
    // 10:00 in Shanghai is 02:00 UTC.
    expect(first!.startsAt.getUTCHours()).toBe(2);
    expect(first!.endsAt.getTime() - first!.startsAt.getTime()).toBe(2 * 3_600_000);
    expect(first!.capacity).toBe(3);
  });

  it('rolls the calendar forward with a later `now`', async () => {
    const now = new Date();
    await ensureSlots(t.db, { timeZone: TZ, now });
    const before = await countSlots(t.db);
    expect(await ensureSlots(t.db, { timeZone: TZ, now: new Date(now.getTime() + DAY) })).toBe(slotsPerDay);
    expect(await ensureSlots(t.db, { timeZone: TZ, now: new Date(now.getTime() + 3 * DAY) })).toBe(2 * slotsPerDay);
    expect(await countSlots(t.db)).toBe(before + 3 * slotsPerDay);
    expect(await ensureSlots(t.db, { timeZone: TZ, now: new Date(now.getTime() + 3 * DAY) })).toBe(0);
    // An earlier `now` (a worker with a slow clock) adds nothing that exists already.
    expect(await ensureSlots(t.db, { timeZone: TZ, now })).toBe(0);

    // The newest day is 17 days after today.
    const [last] = await t.db.select({ max: sql<Date>`max(${slots.startsAt})` }).from(slots);
    expect(localDateKey(new Date(last!.max), TZ)).toBe(localDateKey(addDays(zonedDayStart(now, TZ), 17, TZ), TZ));
  });

  it('leaves booked slots and their bookings alone', async () => {
    const { order } = await paidOrder(s);
    const [slot] = await t.db
      .select()
      .from(slots)
      .where(and(eq(slots.centreId, 'cd-gaoxin'), eq(slots.kind, 'delivery'), sql`${slots.startsAt} > now() + interval '1 day'`))
      .orderBy(slots.startsAt)
      .limit(1);
    const booking = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: 'cd-gaoxin' });
    // Make the slot look different from the template, as an operator might.
    await t.db.update(slots).set({ capacity: 5 }).where(eq(slots.id, slot!.id));

    await ensureSlots(t.db, { timeZone: TZ, now: new Date() });
    await ensureSlots(t.db, { timeZone: TZ, now: new Date(Date.now() + 5 * DAY) });
    await seed(t.db, { timeZone: TZ });

    const after = await slotById(t.db, slot!.id);
    expect(after).toMatchObject({ booked: 1, capacity: 5, startsAt: slot!.startsAt });
    expect((await s.bookings.forCustomer(booking.id, order.customerId)).slotId).toBe(slot!.id);
    const twins = await t.db
      .select()
      .from(slots)
      .where(and(eq(slots.centreId, 'cd-gaoxin'), eq(slots.kind, 'delivery'), eq(slots.startsAt, slot!.startsAt)));
    expect(twins).toHaveLength(1);
  });
});

describe('migrations and seed on an empty database', () => {
  // A test database name (tjd_t_<time>_<hex>) lets global-setup clean it up if this run is
  // interrupted, and only then: a name without the time read as long stale by every other run.
  const name = testDbName('t');
  const admin = () => postgres(adminUrl(), { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    const a = admin();
    try {
      await a.unsafe(`create database ${name}`);
    } finally {
      await a.end();
    }
  });

  afterAll(async () => {
    const a = admin();
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  });

  it('applies the migrations (twice is fine), then seeds twice without duplicates', async () => {
    const url = urlFor(name);
    await runMigrations(url);
    await runMigrations(url);

    const handle = createDb(url, { max: 2 });
    try {
      const tables = await handle.sql<{ table_name: string }[]>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
      expect(tables.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'bookings',
          'car_models',
          'car_options',
          'conversation_states',
          'customers',
          'delivery_centres',
          'inbox_updates',
          'order_events',
          'orders',
          'payments',
          'slots',
          'trims',
        ]),
      );
      const applied = await handle.sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
      expect(applied[0]!.n).toBe(readdirSync(rootPath('migrations')).filter((f) => f.endsWith('.sql')).length);
      expect(await isCatalogEmpty(handle.db)).toBe(true);

      const now = new Date();
      await seed(handle.db, { timeZone: TZ, now });
      const counts = async () =>
        (
          await handle.sql<Array<Record<string, number>>>`
            select (select count(*)::int from car_models) as models,
                   (select count(*)::int from trims) as trims,
                   (select count(*)::int from car_options) as options,
                   (select count(*)::int from delivery_centres) as centres,
                   (select count(*)::int from slots) as slots`
        )[0]!;
      const first = await counts();
      expect(first).toEqual({
        models: 5,
        trims: catalog.models.reduce((n, m) => n + m.trims.length, 0),
        options: catalog.models.reduce((n, m) => n + m.options.length, 0),
        centres: 6,
        slots: 14 * slotsPerDay,
      });
      expect(await isCatalogEmpty(handle.db)).toBe(false);

      await seed(handle.db, { timeZone: TZ, now });
      expect(await counts()).toEqual(first);

      const deposits = await handle.sql<{ id: string; deposit_fen: number }[]>`select id, deposit_fen from car_models order by sort`;
      expect(deposits.map((r) => [r.id, r.deposit_fen])).toEqual([
        ['model-3', 100_000],
        ['model-y', 100_000],
        ['model-y-l', 100_000],
        ['model-s', 800_000],
        ['model-x', 800_000],
      ]);

      // The order-number sequence starts at TJ100001.
      const [{ n } = { n: '' }] = await handle.sql<{ n: string }[]>`select 'TJ' || nextval('order_number_seq') as n`;
      expect(n).toBe('TJ100001');
    } finally {
      await handle.close();
    }
  });
});
