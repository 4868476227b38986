import { sql } from 'drizzle-orm';
import { bigint, check, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** `manager`: sees the reports (/report, the weekly and daily report); admins may too. */
export const staffRoles = ['admin', 'agent', 'marketer', 'ops', 'manager'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** Staff are rows, never configuration: a role is checked against this table on every use. */
export const staff = pgTable(
  'staff',
  {
    telegramId: bigint('telegram_id', { mode: 'number' }).notNull(),
    role: text('role').$type<StaffRole>().notNull(),
    /** 'config:ADMIN_IDS' for bootstrapped admins, otherwise 'staff:<telegram id>'. */
    addedBy: text('added_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.telegramId, t.role] }), check('staff_role', sql`${t.role} in ('admin','agent','marketer','ops','manager')`)],
);

export type StaffMember = typeof staff.$inferSelect;
