/** Reminders and customer notices, planned and re-checked: the area's public API (what code outside it uses). */
export { isQuiet, localHour, quietEnd, sendableAt } from './quiet-hours.js';
export { skipReason, storeInstallationSkipReason, type SkipReason } from './relevance.js';
export { ReminderRepository, type BookingView, type CarReminder, type ReminderContext, type StoreInstallationContext } from './repository.js';
export {
  bookingReminderIds,
  ignoresQuietHours,
  notifies,
  onBookingCancelled,
  onBookingMade,
  onInstallationChanged,
  onOrderCreated,
  onOrderStateChanged,
  reminderId,
  type PlanClock,
} from './rules.js';
export type { PlannedReminder, Reminder, ReminderChanges } from './types.js';
