import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDb, type DbHandle } from '../../src/db/client.js';
import { withDatabase } from '../../src/db/server.js';
import { createRedis, deleteKeys, keyPrefix, redisTarget, scanKeys, type RedisClient, type RedisConnectOptions } from '../../src/shared/redis.js';
import { PG, REDIS } from './test-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
    /** A database of the tests' server to connect to for CREATE/DROP DATABASE (global-setup.ts found it). */
    adminUrl: string;
    /** The seed nodes of the run's own Redis Cluster (test/support/redis-cluster-setup.ts), in the redis-cluster project. */
    redisClusterNodes: string;
    /** The Sentinel of the run's own primary (test/support/redis-cluster-setup.ts), in the redis-cluster project. */
    redisSentinel: string;
    /** The Sentinel of a primary with a replica, which the failover test promotes (redis-topologies.test.ts). */
    redisSentinelFailover: string;
    /** The port of the run's own PgBouncer (test/support/pgbouncer-setup.ts), in the pgbouncer project. */
    pgbouncerPort: number;
  }
}

/** The connection string for CREATE and DROP DATABASE on the tests' server (test/support/test-server.ts says which). */
export const adminUrl = (): string => inject('adminUrl');
/**
 * Test databases carry their creation time (base 36) in their name, so a run can clean up what an
 * interrupted run left without touching the databases of a run still going on the same server.
 */
export const testDbName = (kind: 'tpl' | 't'): string => `tjd_${kind}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
export const STALE_AFTER_MS = 3 * 3600_000;
export function isStaleTestDb(name: string, now = Date.now()): boolean {
  const m = /^tjd_(?:tpl|t)_([0-9a-z]+)_[0-9a-f]+$/.exec(name);
  return !!m && now - parseInt(m[1]!, 36) > STALE_AFTER_MS;
}
export const REDIS_URL = REDIS.url;

/**
 * The vitest project `redis-cluster` (vitest.config.ts) runs some files again against a
 * three-primary Redis Cluster of the run's own: there the tests' Redis is that cluster.
 */
export const ON_CLUSTER = process.env.TEST_REDIS_CLUSTER === '1';
export const REDIS_CLUSTER_NODES: string | undefined = ON_CLUSTER ? inject('redisClusterNodes') : undefined;
/** Where the tests' Redis is: the shared server, or the run's cluster in the redis-cluster project. */
export const REDIS_TARGET = redisTarget(REDIS_URL, REDIS_CLUSTER_NODES);
/** The Redis variables of an app under test (REDIS_CLUSTER_NODES too on the cluster). */
export const redisEnv = (): Record<string, string> => ({ REDIS_URL, ...(REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}) });
/** A client of the tests' Redis, made as the app makes its own. */
export const testRedis = (opts: RedisConnectOptions = {}): RedisClient => createRedis(REDIS_TARGET, opts);
/** A prefix as the app would use it: hash-tagged on the cluster (src/shared/redis.ts keyPrefix). */
export const tagged = (prefix: string): string => keyPrefix(prefix, REDIS_TARGET);

/** Deletes every key of a queue prefix (what a test's app or workers left in Redis). */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<void> {
  const target = redisUrl === REDIS_URL ? REDIS_TARGET : redisTarget(redisUrl);
  const redis = createRedis(target);
  try {
    await deleteKeys(redis, await scanKeys(redis, `${keyPrefix(prefix, target)}:*`));
  } finally {
    await redis.quit();
  }
}

/**
 * The vitest project `pgbouncer` (vitest.config.ts) runs some files again with every connection
 * of the app and of the test going through a PgBouncer in transaction mode; databases are still
 * made and dropped directly on the server.
 */
export const VIA_PGBOUNCER = process.env.TEST_VIA_PGBOUNCER === '1';
/** The database variables of an app under test beside DATABASE_URL (no prepared statements through PgBouncer). */
export const dbEnv = (): Record<string, string> => (VIA_PGBOUNCER ? { DATABASE_PREPARE: 'false' } : {});

/** Database `database` on the tests' server (through the run's PgBouncer in the pgbouncer project), as the tests' role. */
export function urlFor(database: string): string {
  const url = withDatabase(PG.url, database);
  if (!VIA_PGBOUNCER) return url;
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(inject('pgbouncerPort'));
  return u.toString();
}

export interface TestDb extends DbHandle {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from this run's migrated and seeded template (made once per run by
 * global-setup): ~100 ms, and isolated from every other test file and every other run.
 */
export async function createTestDb(): Promise<TestDb> {
  const name = testDbName('t');
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${inject('templateDb')}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const handle = createDb(url, { max: 5, prepare: !VIA_PGBOUNCER });
  return {
    ...handle,
    name,
    url,
    async drop() {
      await handle.close();
      const a = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
