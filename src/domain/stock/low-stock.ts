import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';

export interface LowStockAlert {
  variantId: string;
  productId: string;
  stock: number;
  threshold: number;
  /** When the alert was armed off; the alert job's id names it, so one crossing alerts once. */
  alertedAt: Date;
}

/**
 * After a sale: the variants that have just fallen below their threshold and have not been alerted
 * since their last restock. One guarded UPDATE marks them (low_stock_alerted_at), so a second sale,
 * a redelivered payment or a concurrent sale finds them marked and alerts nobody again.
 */
export async function markLowStock(db: DbOrTx, variantIds: string[]): Promise<LowStockAlert[]> {
  if (!variantIds.length) return [];
  const rows = await db.execute<{ id: string; product_id: string; stock: number; low_stock_threshold: number; low_stock_alerted_at: string }>(sql`
    update store_variants set low_stock_alerted_at = now()
    where id in (${sql.join(
      variantIds.map((id) => sql`${id}`),
      sql`, `,
    )}) and low_stock_threshold > 0 and stock < low_stock_threshold and low_stock_alerted_at is null
    returning id, product_id, stock, low_stock_threshold, low_stock_alerted_at::text`);
  return rows.map((r) => ({
    variantId: r.id,
    productId: r.product_id,
    stock: Number(r.stock),
    threshold: Number(r.low_stock_threshold),
    alertedAt: new Date(r.low_stock_alerted_at),
  }));
}

/**
 * The value of low_stock_alerted_at in an UPDATE that sets the stock to `stock` and the threshold to
 * `threshold` (SQL expressions; SET sees the old row): cleared, so the alert is armed again, once the
 * stock is at or above the threshold.
 */
export const rearmed = (stock: SQL, threshold: SQL = sql`low_stock_threshold`, alertedAt: SQL = sql`low_stock_alerted_at`): SQL =>
  sql`case when ${stock} >= ${threshold} then null else ${alertedAt} end`;
