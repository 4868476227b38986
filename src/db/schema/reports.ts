import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { carModels } from './catalog.js';
import { customers } from './customers.js';

/** The funnel's first two steps, before an order exists: a model card opened, a configuration completed. */
export const funnelStages = ['started', 'configured'] as const;
export type FunnelStage = (typeof funnelStages)[number];

/**
 * One row per customer, model, stage and business day (the first time that day): the car funnel
 * counts distinct customers per stage over a period, so more rows a day would add nothing.
 */
export const funnelEvents = pgTable(
  'funnel_events',
  {
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    modelId: text('model_id')
      .notNull()
      .references(() => carModels.id),
    stage: text('stage').$type<FunnelStage>().notNull(),
    /** The business day (TZ_BUSINESS) of `at`. */
    day: date('day').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.modelId, t.stage, t.day] }),
    index('funnel_events_at_idx').on(t.at),
    // The funnel's first two steps over a long period: distinct (step, customer, model) and
    // (step, customer) read in this order from the index alone, without hashing a million rows.
    index('funnel_events_stage_customer_idx').on(t.stage, t.customerId, t.modelId, t.at),
    check('funnel_events_stage', sql`${t.stage} in ('started','configured')`),
  ],
);

/** A manager's report preferences: the weekly report goes to every manager; the daily one on request. */
export const reportSubscriptions = pgTable('report_subscriptions', {
  telegramId: bigint('telegram_id', { mode: 'number' }).primaryKey(),
  daily: boolean('daily').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type FunnelEvent = typeof funnelEvents.$inferSelect;
export type ReportSubscription = typeof reportSubscriptions.$inferSelect;
