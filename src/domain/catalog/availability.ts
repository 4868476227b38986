import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { carModels } from '../../db/schema/index.js';

/**
 * Pauses or resumes orders for a car model. Returns the flag before and after the change, or null
 * when there is no such model. One statement: the old value is read under the row lock the update
 * takes, so two ops staff switching at once each see the value their change replaced.
 *
 * Pitfall: a CatalogService caches the catalog for up to its TTL (30 s) per process; call its
 * `invalidate()` after switching so this process shows the change at once. Ordering re-checks the
 * flag in the database (isModelAvailable), so a stale cache never lets an order through.
 */
export async function setModelAvailability(db: DbOrTx, modelId: string, available: boolean): Promise<{ before: boolean; after: boolean } | null> {
  const rows = await db.execute<{ before: boolean; after: boolean }>(sql`
    with old as (select id, available from car_models where id = ${modelId} for update)
    update car_models c set available = ${available}
    from old where c.id = old.id
    returning old.available as "before", c.available as "after"`);
  const row = rows[0];
  return row ? { before: row.before, after: row.after } : null;
}

/** Whether the model takes orders, read from the database (not the catalog cache); false when unknown. */
export async function isModelAvailable(db: DbOrTx, modelId: string): Promise<boolean> {
  const [row] = await db.select({ available: carModels.available }).from(carModels).where(eq(carModels.id, modelId));
  return row?.available ?? false;
}
