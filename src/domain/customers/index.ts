/** Customers and what they type in: the area's public API (what code outside it uses). */
export { CustomerService, localeFromTelegram, type CustomerServiceOptions, type Locale } from './service.js';
export { formatPhone, normalizeAddress, normalizeName, normalizePhone } from './validation.js';
