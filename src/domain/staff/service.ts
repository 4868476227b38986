import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customers, staff, staffRoles, type StaffMember, type StaffRole } from '../../db/schema/index.js';

/** One person with a role, and who they are if they have ever talked to the bot. */
export interface StaffEntry {
  telegramId: number;
  roles: StaffRole[];
  name: string | null;
  username: string | null;
}

export const isStaffRole = (value: string): value is StaffRole => (staffRoles as readonly string[]).includes(value);

/** Staff roles live in the database; `ADMIN_IDS` only bootstraps admins at start. */
export class StaffService {
  constructor(private readonly db: Db) {}

  /** The roles of a Telegram user (empty for customers). One indexed lookup. */
  async rolesOf(telegramId: number): Promise<StaffRole[]> {
    const rows = await this.db.select({ role: staff.role }).from(staff).where(eq(staff.telegramId, telegramId));
    return rows.map((r) => r.role);
  }

  /** True when the user has `role`, or is an admin (admins may do everything staff may). */
  async can(telegramId: number, role: StaffRole): Promise<boolean> {
    const roles = await this.rolesOf(telegramId);
    return roles.includes(role) || roles.includes('admin');
  }

  /** Adds a role; false when the user already had it. */
  async add(telegramId: number, role: StaffRole, addedBy: string): Promise<boolean> {
    const rows = await this.db.insert(staff).values({ telegramId, role, addedBy }).onConflictDoNothing().returning();
    return rows.length > 0;
  }

  /** Removes a role; false when the user did not have it. */
  async remove(telegramId: number, role: StaffRole): Promise<boolean> {
    const rows = await this.db
      .delete(staff)
      .where(and(eq(staff.telegramId, telegramId), eq(staff.role, role)))
      .returning();
    return rows.length > 0;
  }

  /** Telegram ids of everyone with `role` or admin, each once. */
  async idsWith(role: StaffRole): Promise<number[]> {
    const rows = await this.db
      .selectDistinct({ id: staff.telegramId })
      .from(staff)
      .where(inArray(staff.role, [role, 'admin']));
    return rows.map((r) => r.id);
  }

  async list(): Promise<StaffMember[]> {
    return this.db.select().from(staff).orderBy(asc(staff.role), asc(staff.telegramId));
  }

  /** Everyone with a role, one entry per person (an admin sees who "12345" is before removing them). */
  async directory(): Promise<StaffEntry[]> {
    const rows = await this.db
      .select({ telegramId: staff.telegramId, role: staff.role, firstName: customers.firstName, lastName: customers.lastName, username: customers.username })
      .from(staff)
      .leftJoin(customers, eq(customers.telegramId, staff.telegramId))
      .orderBy(asc(staff.telegramId), asc(staff.role));
    const byId = new Map<number, StaffEntry>();
    for (const r of rows) {
      const entry = byId.get(r.telegramId) ?? { telegramId: r.telegramId, roles: [], name: null, username: r.username };
      entry.roles.push(r.role);
      if (r.firstName !== null) entry.name = [r.firstName, r.lastName].filter(Boolean).join(' ') || null;
      byId.set(r.telegramId, entry);
    }
    return [...byId.values()];
  }

  /** Makes the configured ADMIN_IDS admins (idempotent; removing an id from the config does not demote). */
  async bootstrapAdmins(ids: number[]): Promise<void> {
    for (const id of ids) await this.add(id, 'admin', 'config:ADMIN_IDS');
  }
}
