import { bigint, boolean, index, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const customers = pgTable(
  'customers',
  {
    id: serial('id').primaryKey(),
    telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name'),
    username: text('username'),
    /** 'zh-CN' | 'en' */
    language: text('language').notNull(),
    phone: text('phone'),
    /** null until the customer has been asked. */
    marketingConsent: boolean('marketing_consent'),
    blocked: boolean('blocked').notNull().default(false),
    /** First deep-link payload (`/start src_campaign42`), kept for attribution. */
    source: text('source'),
    lastSource: text('last_source'),
    lastActiveAt: timestamp('last_active_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Set by /deletemydata (src/domain/privacy): the row stays for the orders that must be kept,
     * without anything that names the person (telegram_id becomes minus the row id).
     */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('customers_source_idx').on(t.source)],
);

export type Customer = typeof customers.$inferSelect;
export type NewCustomer = typeof customers.$inferInsert;
