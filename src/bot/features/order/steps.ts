import { z } from 'zod';
import { noData, recordId } from '../../step-registry.js';
import { completeConfiguration } from '../catalog/steps.js';

const cfg = completeConfiguration;
const contactName = z.string().min(1);
const phone = z.string().min(1);
const city = z.string().min(1);
/**
 * Made when the customer presses Order and carried to the confirmation step: the order is created
 * under this key, so "agree and pay" run again (after a crash, or pressed again before the chat
 * moved on) finds that order. Optional for chats that were ordering before it existed.
 */
const orderKey = z.string().min(1).max(64).optional();

/**
 * Placing an order: contact name → phone → city → the confirmation screen (each answer added to the
 * complete configuration; an answer changed from the confirmation screen keeps the others, and the
 * flow goes back to it) — and "My orders".
 */
export const orderStepSchemas = {
  'order.name': z.object({ cfg, contactName: contactName.optional(), phone: phone.optional(), city: city.optional(), orderKey }),
  'order.phone': z.object({ cfg, contactName, phone: phone.optional(), city: city.optional(), orderKey }),
  /** `unserved`: a city typed that has no delivery, for the waitlist button. */
  'order.city': z.object({ cfg, contactName, phone, city: city.optional(), unserved: z.string().max(40).optional(), orderKey }),
  'order.confirm': z.object({ cfg, contactName, phone, city, orderKey }),
  orders: noData,
  'orders.store': z.object({ storeOrderId: recordId }),
  'orders.detail': z.object({ orderId: recordId }),
};
