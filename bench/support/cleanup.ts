/**
 * Removing what a benchmark run created: its database and its Redis keys. Used by the benchmark
 * (env.ts) and, should the benchmark die without cleaning up, by the app's process (app-process.ts).
 */
import postgres from 'postgres';
import { Redis } from 'ioredis';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs `fn` on a one-connection pool to the admin database. */
export async function admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Drops a benchmark's database, whoever is still connected to it. */
export async function dropBenchDatabase(name: string): Promise<void> {
  if (!/^tjd_bench_[0-9a-f]+$/.test(name)) throw new Error(`not a benchmark database: ${name}`);
  await admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`));
}

/** Deletes every Redis key under `prefix:` (SCAN, not KEYS: the server may be shared). */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
