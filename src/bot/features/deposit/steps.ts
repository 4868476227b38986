import { z } from 'zod';
import { recordId } from '../../step-registry.js';

/** The order's summary with its deposit invoice. */
export const depositStepSchemas = {
  /** `invoiceMessageId`: the order's live invoice in the chat, deleted when Pay sends a new one. */
  deposit: z.object({ orderId: recordId, invoiceMessageId: z.number().int().positive().optional() }),
};
