/** Staff roles: the area's public API (what code outside it uses). */
export { isStaffRole, StaffService, type StaffEntry } from './service.js';
