import { z } from 'zod';
import { storeCategories } from '../../../db/schema/index.js';
import { noData, recordId } from '../../step-registry.js';

const category = z.enum(storeCategories);
const page = z.number().int().positive();
const onStoreOrder = z.object({ storeOrderId: recordId });

/**
 * The flagship store (categories → a page of products → a product → cart → checkout → shipping →
 * invoice) and its ops panel (store orders to ship, one order, the tracking number, delivered).
 */
export const storeStepSchemas = {
  store: noData,
  'store.list': z.object({ category, page }),
  /** The category and page the product was opened from, for its "back" button. */
  'store.product': z.object({ productId: z.string(), variantId: z.string(), category, page }),
  'store.cart': noData,
  'store.checkout': noData,
  'store.shipping': z.object({ addressId: recordId }),
  'store.invoice': z.object({ orderId: recordId }),
  'store.ops.list': noData,
  'store.ops.order': onStoreOrder,
  'store.ops.tracking': onStoreOrder,
  'store.ops.confirm': onStoreOrder,
};
