/** Bookings of delivery and installation slots: the area's public API (what code outside it uses). */
export { BookingService, type BookingServiceOptions, type DayAvailability } from './service.js';
export type { BookingView } from './views.js';
