import { z } from 'zod';
import { noData } from '../../step-registry.js';

const itemId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/);

/** /stock (ops, admins, managers): the products, a product, a variant, and a number typed for a variant. */
export const stockStepSchemas = {
  'stock.home': noData,
  'stock.product': z.object({ productId: itemId }),
  'stock.variant': z.object({ variantId: itemId }),
  /** Waiting for a delivery's CSV file (src/bot/features/stock/import.ts). */
  'stock.import': noData,
  /** `seen`: the stock when the question was asked (a restock run twice adds once). */
  'stock.ask': z.object({ variantId: itemId, what: z.enum(['restock', 'set', 'price', 'threshold']), seen: z.number().int().nonnegative() }),
};
