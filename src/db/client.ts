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

/** Opens the pools; nothing connects until the first query. */
export function createDb(url: string, opts: DbOptions = {}): DbHandle {
  const prepare = opts.prepare ?? true;
  const sql = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, connect_timeout: 5, prepare });
  const relaxed = postgres(url, {
    max: Math.max(2, Math.ceil((opts.max ?? 10) / 2)),
    onnotice: () => {},
    connect_timeout: 5,
    prepare,
    ...(prepare ? { connection: { synchronous_commit: 'off' } } : {}),
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    relaxed,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), relaxed.end({ timeout: 5 })]);
    },
  };
}
