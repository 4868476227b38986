import { z } from 'zod';
import { recordId } from '../../step-registry.js';

/** The order's summary with its deposit invoice. */
export const depositStepSchemas = {
  deposit: z.object({ orderId: recordId }),
};
