/**
 * "Reset sandbox" on the app's side: what the app keeps about the sandbox's conversations goes, so
 * nothing points at a chat message that no longer exists. Customer data is truncated in one
 * statement; the catalog, the store's products, the slot calendar and staff stay (slot bookings and
 * store stock go back to where data/store.json and an empty booking list put them). Queued jobs of
 * the sandbox's queue prefix go too, so no reminder fires for a vanished order; the job schedulers
 * (src/jobs/queues.ts scheduleMaintenance, src/jobs/store/store-jobs.ts) keep running.
 * The emulator and the page's side are src/sandbox/start.ts (resetSandbox).
 */
import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { deleteKeys, scanKeys, type RedisClient } from '../shared/redis.js';
import type { Db } from '../db/client.js';
import { readStoreFile, storeRows } from '../domain/store/data.js';
import { SandboxError } from './actions.js';

/**
 * Tables about people and their conversations, emptied by a reset. TRUNCATE without CASCADE fails
 * when a table outside this list references one inside it, so a new table that points at customers
 * or orders cannot be forgotten silently (test/e2e/sandbox.test.ts also checks every table is in
 * this list or in KEPT_TABLES).
 */
export const RESET_TABLES = [
  'customers',
  'conversation_states',
  'inbox_updates',
  'orders',
  'order_events',
  'payments',
  'feedback',
  'unmatched_payments',
  'bookings',
  'installations',
  'store_orders',
  'store_order_lines',
  'store_payments',
  'store_order_events',
  'store_addresses',
  'cart_items',
  'support_topics',
  'support_conversations',
  'support_messages',
  'campaigns',
  'campaign_variants',
  'campaign_recipients',
  'campaign_clicks',
  'customer_model_views',
  'marketing_consent_log',
  'job_outbox',
  'delivery_waitlist',
  'funnel_events',
  'catalog_audit',
] as const;

/** The data the sandbox starts from, kept by a reset. */
export const KEPT_TABLES = ['car_models', 'trims', 'car_options', 'delivery_centres', 'slots', 'store_products', 'store_variants', 'staff', 'report_subscriptions'] as const;

/**
 * Telegram ids of the sandbox's people: data/sandbox.json's staff (910000001…) and customers
 * (920000001…, and those created from the page after them, src/sandbox/start.ts addCustomer).
 */
export const SANDBOX_IDS = { min: 910_000_000, max: 929_999_999 } as const;

/** Job states a reset clears; active jobs are left to finish (they find their rows gone). */
const CLEARED_STATES = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children', 'completed', 'failed'] as const;

export interface AppDataToReset {
  db: Db;
  queues: Queue[];
  redis: RedisClient;
  queuePrefix: string;
}

/**
 * Refuses (409 not_sandbox_data) when the database holds customers who are not the sandbox's people:
 * the sandbox was pointed at a database a real bot uses, and a reset would delete real customers.
 */
export async function assertSandboxData(db: Db): Promise<void> {
  const [outsiders] = await db.execute(sql`select count(*)::int as n from customers where telegram_id not between ${SANDBOX_IDS.min} and ${SANDBOX_IDS.max}`);
  if (Number((outsiders as { n: number } | undefined)?.n ?? 0) > 0) throw new SandboxError('not_sandbox_data', 409);
}

/** Empties the app's data about the sandbox's conversations and their queued jobs (assertSandboxData first). */
export async function resetAppData(app: AppDataToReset): Promise<{ jobsRemoved: number }> {
  const { db } = app;
  await assertSandboxData(db);
  const tables = [...RESET_TABLES];
  const stock = storeRows(readStoreFile()).flatMap((p) => p.variants.map((v) => ({ id: v.id, stock: v.stock })));
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`truncate table ${sql.join(
        tables.map((t) => sql.identifier(t)),
        sql`, `,
      )}`,
    );
    // No booking is left, so no slot is taken; no store order is left, so nothing is sold or held.
    await tx.execute(sql`update slots set booked = 0 where booked <> 0`);
    await tx.execute(sql`update store_variants set held = 0 where held <> 0`);
    // What staff changed in /stock goes back too; a changed price stays until the store is seeded again (its audit row, which kept it, is emptied here).
    await tx.execute(sql`update store_variants set hidden = false, low_stock_threshold = 0, low_stock_alerted_at = null where hidden or low_stock_threshold <> 0`);
    await tx.execute(sql`update store_products set hidden = false where hidden`);
    for (const v of stock) await tx.execute(sql`update store_variants set stock = ${v.stock} where id = ${v.id} and stock <> ${v.stock}`);
  });

  let jobsRemoved = 0;
  for (const queue of app.queues) {
    const jobs = await queue.getJobs([...CLEARED_STATES]);
    for (const job of jobs) {
      // A scheduler's next run (repeatJobKey set) stays: the schedulers are the app's upkeep.
      if (!job.id || job.repeatJobKey) continue;
      jobsRemoved += await queue.remove(job.id).catch(() => 0);
    }
  }
  // The support relay's waiting lists (src/jobs/support/relay.ts relayKeys) name conversations that are gone.
  await deleteKeys(app.redis, await scanKeys(app.redis, `${app.queuePrefix}:support-relay:*`));
  return { jobsRemoved };
}
