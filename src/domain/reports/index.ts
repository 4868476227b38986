export * from './campaigns.js';
export * from './fulfilment.js';
export * from './funnel.js';
export * from './period.js';
export * from './revenue.js';
export * from './service.js';
export * from './support.js';
