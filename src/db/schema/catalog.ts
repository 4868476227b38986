import { boolean, check, index, integer, jsonb, numeric, pgTable, text } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/** Localised text as stored: one entry per supported language. */
export type LocalizedText = { 'zh-CN': string; en: string };

export const carModels = pgTable(
  'car_models',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tagline: jsonb('tagline').$type<LocalizedText>().notNull(),
    photoUrl: text('photo_url').notNull(),
    depositFen: integer('deposit_fen').notNull(),
    /**
     * Whether the model takes orders now. A paused model (false) stays browsable; its card says so
     * instead of offering the order button. Ops switch it (setModelAvailability); a re-seed keeps it.
     */
    available: boolean('available').notNull().default(true),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [check('car_models_deposit_positive', sql`${t.depositFen} > 0`)],
);

export const trims = pgTable(
  'trims',
  {
    id: text('id').primaryKey(),
    modelId: text('model_id')
      .notNull()
      .references(() => carModels.id),
    name: jsonb('name').$type<LocalizedText>().notNull(),
    priceFen: integer('price_fen').notNull(),
    rangeCltcKm: integer('range_cltc_km').notNull(),
    accel0100S: numeric('accel_0_100_s', { precision: 3, scale: 1 }).notNull(),
    topSpeedKmh: integer('top_speed_kmh').notNull(),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [index('trims_model_idx').on(t.modelId), check('trims_price_positive', sql`${t.priceFen} > 0`)],
);

export const optionKinds = ['paint', 'wheels', 'interior'] as const;
export type OptionKind = (typeof optionKinds)[number];

export const carOptions = pgTable(
  'car_options',
  {
    id: text('id').primaryKey(),
    modelId: text('model_id')
      .notNull()
      .references(() => carModels.id),
    kind: text('kind').$type<OptionKind>().notNull(),
    name: jsonb('name').$type<LocalizedText>().notNull(),
    priceFen: integer('price_fen').notNull().default(0),
    /** Trims this option is offered on; empty means every trim of the model. */
    trimIds: jsonb('trim_ids').$type<string[]>().notNull().default([]),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [
    index('car_options_model_kind_idx').on(t.modelId, t.kind),
    check('car_options_kind', sql`${t.kind} in ('paint','wheels','interior')`),
    check('car_options_price_nonneg', sql`${t.priceFen} >= 0`),
  ],
);

export type CarModel = typeof carModels.$inferSelect;
export type Trim = typeof trims.$inferSelect;
export type CarOption = typeof carOptions.$inferSelect;
