export * from './customers.js';
export * from './conversation.js';
export * from './catalog.js';
export * from './orders.js';
export * from './bookings.js';
export * from './staff.js';
export * from './support.js';
