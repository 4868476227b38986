import { z } from 'zod';
import { noData, recordId } from '../../step-registry.js';
import { completeConfiguration } from '../catalog/steps.js';

const cfg = completeConfiguration;
const contactName = z.string().min(1);
const phone = z.string().min(1);

/** Placing an order (contact name → phone → city, each added to the complete configuration) and "My orders". */
export const orderStepSchemas = {
  'order.name': z.object({ cfg }),
  'order.phone': z.object({ cfg, contactName }),
  'order.city': z.object({ cfg, contactName, phone }),
  orders: noData,
  'orders.store': z.object({ storeOrderId: recordId }),
  'orders.detail': z.object({ orderId: recordId }),
};
