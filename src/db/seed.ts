import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { ConfigError, loadDbConfig, type DbConfig } from '../config.js';
import { isMain, rootPath } from '../shared/paths.js';
import { prepareProcess } from '../shared/startup.js';
import { zonedDayStart, addDays } from '../shared/time.js';
import { seedStore } from '../domain/store/data.js';
import { createDb, type Db } from './client.js';
import { processIo, type ScriptIo } from './migrate.js';
import { redactUrl, rootCause, startHint } from './server.js';
import { carModels, carOptions, deliveryCentres, slots, trims, type CarModel, type CarOption, type Trim } from './schema/index.js';

const localized = z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) });
const yuan = z.number().int().nonnegative();
const slotTemplate = z.object({
  start: z.string().regex(/^\d\d:\d\d$/),
  end: z.string().regex(/^\d\d:\d\d$/),
  capacity: z.number().int().positive(),
});

/** The shape of data/catalog.json; prices there are whole yuan, stored here in fen. */
export const catalogFile = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      sort: z.number().int(),
      deposit: yuan,
      /** Taking orders when first seeded (default true); later ops switch it, and a re-seed keeps their choice. */
      available: z.boolean().optional(),
      photoUrl: z.string().url(),
      tagline: localized,
      trims: z.array(
        z.object({
          id: z.string(),
          name: localized,
          price: yuan,
          rangeCltcKm: z.number().int(),
          accel0100S: z.number(),
          topSpeedKmh: z.number().int(),
        }),
      ),
      options: z.array(
        z.object({
          id: z.string(),
          kind: z.enum(['paint', 'wheels', 'interior']),
          name: localized,
          price: yuan,
          trims: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
  deliveryCentres: z.array(z.object({ id: z.string(), city: z.string(), cityName: localized, name: localized, address: localized })),
  slotTemplates: z.object({ days: z.number().int().positive(), delivery: z.array(slotTemplate), installation: z.array(slotTemplate) }),
});
export type CatalogFile = z.infer<typeof catalogFile>;

export function readCatalogFile(file = rootPath('data', 'catalog.json')): CatalogFile {
  return catalogFile.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * The catalog rows of the data file, as stored: prices from whole yuan to fen, an option without
 * `trims` offered on every trim of its model.
 */
export function catalogRows(data: CatalogFile): Array<{ model: CarModel; trims: Trim[]; options: CarOption[] }> {
  return data.models.map((m, i) => ({
    model: {
      id: m.id,
      name: m.name,
      tagline: m.tagline,
      photoUrl: m.photoUrl,
      depositFen: m.deposit * 100,
      available: m.available ?? true,
      sort: m.sort ?? i,
    },
    trims: m.trims.map((t, j) => ({
      id: t.id,
      modelId: m.id,
      name: t.name,
      priceFen: t.price * 100,
      rangeCltcKm: t.rangeCltcKm,
      accel0100S: t.accel0100S.toFixed(1),
      topSpeedKmh: t.topSpeedKmh,
      sort: j,
    })),
    options: m.options.map((o, j) => ({ id: o.id, modelId: m.id, kind: o.kind, name: o.name, priceFen: o.price * 100, trimIds: o.trims ?? [], sort: j })),
  }));
}

/** Upserts the catalog and centres from the data file, then tops up slots. Safe to run again. */
export async function seed(db: Db, opts: { timeZone: string; now?: Date; file?: string }): Promise<void> {
  const data = readCatalogFile(opts.file);
  await db.transaction(async (tx) => {
    for (const { model, trims: modelTrims, options } of catalogRows(data)) {
      // Availability is the ops staff's switch once the model exists: a re-seed does not undo it.
      const { available: _initial, ...catalogData } = model;
      await tx.insert(carModels).values(model).onConflictDoUpdate({ target: carModels.id, set: catalogData });
      for (const trim of modelTrims) await tx.insert(trims).values(trim).onConflictDoUpdate({ target: trims.id, set: trim });
      for (const option of options) await tx.insert(carOptions).values(option).onConflictDoUpdate({ target: carOptions.id, set: option });
    }
    for (const [i, c] of data.deliveryCentres.entries()) {
      const centre = { ...c, sort: i };
      await tx.insert(deliveryCentres).values(centre).onConflictDoUpdate({ target: deliveryCentres.id, set: centre });
    }
  });
  await ensureSlots(db, { ...opts, templates: data.slotTemplates });
  // The flagship store's products and stock (data/store.json); stock is kept on re-seed.
  await seedStore(db);
}

/**
 * Makes sure every centre has its daily slots for the coming days; existing slots (and their
 * bookings) are left alone. Run at seed time and daily by the worker, so the calendar rolls on.
 */
export async function ensureSlots(db: Db, opts: { timeZone: string; now?: Date; templates?: CatalogFile['slotTemplates'] }): Promise<number> {
  const templates = opts.templates ?? readCatalogFile().slotTemplates;
  const centres = await db.select({ id: deliveryCentres.id }).from(deliveryCentres);
  const today = zonedDayStart(opts.now ?? new Date(), opts.timeZone);
  const rows: Array<typeof slots.$inferInsert> = [];
  for (let d = 1; d <= templates.days; d++) {
    const day = addDays(today, d, opts.timeZone);
    for (const centre of centres) {
      for (const kind of ['delivery', 'installation'] as const) {
        for (const t of templates[kind]) {
          rows.push({
            kind,
            centreId: centre.id,
            startsAt: atLocalTime(day, t.start),
            endsAt: atLocalTime(day, t.end),
            capacity: t.capacity,
          });
        }
      }
    }
  }
  if (rows.length === 0) return 0;
  const inserted = await db.insert(slots).values(rows).onConflictDoNothing().returning({ id: slots.id });
  return inserted.length;
}

/** `day` is local midnight as an instant; business days have no DST in China, but do not assume it. */
function atLocalTime(day: Date, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return new Date(day.getTime() + (h * 60 + m) * 60_000);
}

export async function isCatalogEmpty(db: Db): Promise<boolean> {
  const [table] = await db.execute(sql`select to_regclass('car_models') is not null as migrated`);
  if (!(table as { migrated: boolean } | undefined)?.migrated) {
    throw new Error('the database has no catalog tables yet: run the migrations first (npm run db:migrate)');
  }
  const rows = await db.execute(sql`select exists(select 1 from car_models) as present`);
  return !(rows[0] as { present: boolean } | undefined)?.present;
}

/**
 * `npm run db:seed [--if-empty]` given its arguments and environment: reads DATABASE_URL and
 * TZ_BUSINESS only (loadDbConfig). Returns the exit code: 0 done, 1 failed, 2 configuration error.
 */
export async function seedCli(argv: string[], env: Record<string, string | undefined>, io: ScriptIo = processIo): Promise<number> {
  let config: DbConfig;
  try {
    config = loadDbConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  const { databaseUrl: url, timeZone } = config;
  const handle = createDb(url, { max: 1 });
  try {
    if (argv.includes('--if-empty') && !(await isCatalogEmpty(handle.db))) {
      const added = await ensureSlots(handle.db, { timeZone });
      // Products added to data/store.json since (new variants get their stock; old stock is kept).
      await seedStore(handle.db);
      io.out(`catalog already seeded; ${added} new slots added; store products updated`);
      return 0;
    }
    await seed(handle.db, { timeZone });
    io.out('catalog, delivery centres and slots seeded (sample data)');
    return 0;
  } catch (err) {
    const cause = rootCause(err);
    io.err(`seed failed at ${redactUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}${startHint(cause, 'DATABASE_URL')}`);
    return 1;
  } finally {
    await handle.close();
  }
}

if (isMain(import.meta.url)) {
  // .env is read as by every npm script (src/shared/startup.ts), after the Node.js version check.
  prepareProcess();
  void seedCli(process.argv.slice(2), process.env).then((code) => (process.exitCode = code));
}
