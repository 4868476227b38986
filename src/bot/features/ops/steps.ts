import { z } from 'zod';
import { noData, recordId } from '../../step-registry.js';

const onOrder = z.object({ orderId: recordId });

/** Operations staff: the worklist, an order's card, the VIN asked for, the handover confirmed. */
export const opsStepSchemas = {
  'ops.list': noData,
  'ops.order': onOrder,
  'ops.vin': onOrder,
  'ops.confirm': onOrder,
};
