import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** A database handle or an open transaction: repositories accept either. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  sql: postgres.Sql;
  /**
   * A small second pool whose commits do not wait for the WAL flush (synchronous_commit off),
   * for per-update bookkeeping (conversation state, seen update ids, last activity): losing the
   * last fraction of a second of those in a Postgres crash is harmless, waiting ~5 ms on every
   * update is not. Orders, payments and bookings always go through `db`.
   */
  relaxed: postgres.Sql;
  /**
   * The webhook's and the poller's own lane into the inbox: storing updates (relaxed, like
   * `relaxed`) and the durable barrier before they are acknowledged (one connection whose commits
   * wait for the flush). Its own connections, so an acknowledgement never queues behind the
   * handlers' statements on the other pools.
   */
  intake: { store: postgres.Sql; barrier: postgres.Sql };
  close(): Promise<void>;
}

export interface DbOptions {
  /** Connections of the main pool (default 10); the relaxed pool gets half, at least 2. */
  max?: number;
  /**
   * Named prepared statements (default true). Off behind PgBouncer in transaction mode: there a
   * statement prepared on one server connection may be executed on another, which lacks it. Off
   * also drops the relaxed pool's per-connection `synchronous_commit = off` (a startup parameter
   * the pooler would not keep per client), so its commits wait for the WAL flush like the others.
   */
  prepare?: boolean;
}

/**
 * Seconds to wait before the pool's next connection attempt after `retries` failed ones in a row
 * (postgres.js counts them for the whole pool): 50 ms doubling, at most 1 s, with jitter.
 * postgres.js's own default grows as 3^retries / 100 s up to 20 s, and the count rises with every
 * connection of the pool that fails, so a Postgres that was away for 3–5 s (a failover, a network
 * blip) kept the app away for another 10–20 s after it was back: in the chaos run
 * (test/support/chaos/) updates that failed during a cut waited 11–17 s after its end. Trying once
 * a second while Postgres is down costs it nothing.
 */
export const reconnectBackoff = (retries: number): number => Math.min(0.05 * 2 ** retries, 1) * (0.75 + Math.random() / 4);

/** Opens the pools; nothing connects until the first query. */
export function createDb(url: string, opts: DbOptions = {}): DbHandle {
  const prepare = opts.prepare ?? true;
  // A relaxed pool's commits do not wait for the WAL flush (see DbHandle.relaxed); behind a
  // transaction-mode pooler (no prepare) the per-connection setting would not hold, so none is set.
  const pool = (max: number, relaxedCommit = false) =>
    postgres(url, {
      max,
      onnotice: () => {},
      connect_timeout: 5,
      backoff: reconnectBackoff,
      prepare,
      ...(relaxedCommit && prepare ? { connection: { synchronous_commit: 'off' } } : {}),
    });
  const sql = pool(opts.max ?? 10);
  const relaxed = pool(Math.max(2, Math.ceil((opts.max ?? 10) / 2)), true);
  const store = pool(2, true);
  const barrier = pool(1);
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    relaxed,
    intake: { store, barrier },
    close: async () => {
      await Promise.all([sql, relaxed, store, barrier].map((pool) => pool.end({ timeout: 5 })));
    },
  };
}
