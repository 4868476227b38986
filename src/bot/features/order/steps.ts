import { z } from 'zod';
import { noData, recordId } from '../../step-registry.js';
import { completeConfiguration } from '../catalog/steps.js';

const cfg = completeConfiguration;
const contactName = z.string().min(1);
const phone = z.string().min(1);
/**
 * Made when the customer presses Order (src/bot/features/order/order.ts) and carried to the city
 * step: the order is created under this key, so the city press run again (after a crash, or pressed
 * again before the chat moved on) finds that order. Optional for chats that were ordering before it existed.
 */
const orderKey = z.string().min(1).max(64).optional();

/** Placing an order (contact name → phone → city, each added to the complete configuration) and "My orders". */
export const orderStepSchemas = {
  'order.name': z.object({ cfg, orderKey }),
  'order.phone': z.object({ cfg, contactName, orderKey }),
  'order.city': z.object({ cfg, contactName, phone, orderKey }),
  orders: noData,
  'orders.store': z.object({ storeOrderId: recordId }),
  'orders.detail': z.object({ orderId: recordId }),
};
