/** Data protection: the customer's erasure (/deletemydata) and the retention job. */
export { ERASED_ACTOR, ErasureService, type ErasureBlocker, type ErasureResult } from './erasure.js';
export { applyRetention, type RetentionResult } from './retention.js';
