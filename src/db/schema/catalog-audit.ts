import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';

export const catalogAuditEntities = ['product', 'variant', 'model'] as const;
export type CatalogAuditEntity = (typeof catalogAuditEntities)[number];
export const catalogAuditFields = ['stock', 'price', 'hidden', 'threshold', 'available'] as const;
export type CatalogAuditField = (typeof catalogAuditFields)[number];

/**
 * Every change ops and managers make to the catalog without SQL (src/domain/stock): who, what,
 * the value before and after, written in the same transaction as the change itself.
 */
export const catalogAudit = pgTable(
  'catalog_audit',
  {
    id: serial('id').primaryKey(),
    /** 'staff:<telegram id>' from the bot, 'cli:<os user>' from `npm run ops`. */
    actor: text('actor').notNull(),
    entity: text('entity').$type<CatalogAuditEntity>().notNull(),
    entityId: text('entity_id').notNull(),
    field: text('field').$type<CatalogAuditField>().notNull(),
    before: jsonb('before').$type<number | boolean | null>(),
    after: jsonb('after').$type<number | boolean | null>(),
    /** How: 'restock +5', 'csv delivery.csv line 3', … */
    note: text('note'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('catalog_audit_entity_idx').on(t.entity, t.entityId, t.at),
    check('catalog_audit_entity', sql`${t.entity} in ('product','variant','model')`),
    check('catalog_audit_field', sql`${t.field} in ('stock','price','hidden','threshold','available')`),
  ],
);

export type CatalogAuditRow = typeof catalogAudit.$inferSelect;
