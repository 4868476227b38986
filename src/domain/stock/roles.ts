import { staffRoles, type StaffRole } from '../../db/schema/staff.js';

/**
 * Who may change the catalog (and hears of low stock): ops and admins, and managers where the
 * `manager` role exists (issue 15's reports add it to the staff roles). Read from the database on
 * every use, like every staff role.
 */
export const STOCK_ROLES: readonly StaffRole[] = staffRoles.filter((r) => r === 'ops' || r === 'admin' || (r as string) === 'manager');

export const mayManageStock = (roles: readonly StaffRole[]): boolean => roles.some((r) => STOCK_ROLES.includes(r));
