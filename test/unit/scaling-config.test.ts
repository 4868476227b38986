/**
 * Redis and Postgres for more than one process, by configuration only: the REDIS_URL forms
 * (redis://, rediss://, redis+sentinel://), REDIS_CLUSTER_NODES with its hash-tagged key prefix,
 * and the Postgres pool size and prepared statements (PgBouncer in transaction mode).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadOpsConfig } from '../../src/config.js';
import { describeRedis, keyPrefix, parseHostList, redisTarget } from '../../src/shared/redis.js';

const TOKEN = '123456789:AAHfakeTokenForUnitTests_abcdefXYZ';
const load = (env: Record<string, string>) => loadConfig({ BOT_TOKEN: TOKEN, ...env });
const problems = (env: Record<string, string>): string[] => {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('REDIS_URL and REDIS_CLUSTER_NODES', () => {
  it('one server: redis:// or rediss://, the prefix as given', () => {
    const c = load({ REDIS_URL: 'rediss://:pw@cache:6380/2', QUEUE_PREFIX: 'shop' });
    expect(c.redis).toEqual({ mode: 'single', url: 'rediss://:pw@cache:6380/2' });
    expect(c.queuePrefix).toBe('shop');
    expect(describeRedis(c.redis)).toBe('rediss://:***@cache:6380/2');
  });

  it('Sentinel: the sentinels, the master name, the primary password, the db and the sentinels’ own password', () => {
    const c = load({ REDIS_URL: 'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster/3?sentinelPassword=sp' });
    expect(c.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      username: undefined,
      password: 's3cret',
      sentinelPassword: 'sp',
      db: 3,
      tls: false,
    });
    // One primary: no hash tag needed, so the keys of a deployment moving to Sentinel stay where they are.
    expect(c.queuePrefix).toBe('tjd');
    expect(describeRedis(c.redis)).not.toContain('s3cret');
    expect(redisTarget('rediss+sentinel://h:1/m')).toMatchObject({ mode: 'sentinel', tls: true, db: 0 });
  });

  it('a cluster: the seed nodes, REDIS_URL lending its password and TLS, and the prefix hash-tagged', () => {
    const c = load({ REDIS_URL: 'rediss://app:pw@ignored:6379', REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,r3' });
    expect(c.redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
        { host: 'r3', port: 6379 },
      ],
      username: 'app',
      password: 'pw',
      tls: true,
    });
    expect(c.queuePrefix).toBe('{tjd}');
    expect(describeRedis(c.redis)).toBe('Redis Cluster r1:7000,r2:7001,r3:6379');
    // A prefix that carries a tag already is kept as it is.
    expect(load({ REDIS_CLUSTER_NODES: 'r1:7000', QUEUE_PREFIX: 'shop-{eu}' }).queuePrefix).toBe('shop-{eu}');
    expect(loadOpsConfig({ REDIS_CLUSTER_NODES: 'r1:7000' }).queuePrefix).toBe('{tjd}');
    expect(keyPrefix('x', { mode: 'single', url: 'redis://h' })).toBe('x');
  });

  it('malformed forms are refused, each named', () => {
    expect(problems({ REDIS_URL: 'http://cache:6379' })).toEqual([expect.stringMatching(/^REDIS_URL must be a redis URL/)]);
    expect(problems({ REDIS_URL: 'redis+sentinel://h1:26379' })).toEqual([expect.stringMatching(/^REDIS_URL must be redis\+sentinel:\/\/host:port,host:port\/mastername/)]);
    expect(problems({ REDIS_CLUSTER_NODES: 'r1:7000,r2:notaport' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES must be host:port,host:port/)]);
    expect(problems({ QUEUE_PREFIX: 'a{b' })).toEqual([expect.stringMatching(/^QUEUE_PREFIX may only contain/)]);
    expect(problems({ QUEUE_PREFIX: 'a:b' })).toHaveLength(1);
    expect(() => parseHostList(' , ', 6379)).toThrow(/no host:port/);
  });
});

describe('DATABASE_POOL_MAX and DATABASE_PREPARE', () => {
  it('pool sizes by role unless set, prepared statements unless turned off', () => {
    expect(load({ APP_ROLE: 'bot' }).database).toEqual({ poolMax: 10, prepare: true });
    expect(load({ APP_ROLE: 'worker' }).database).toEqual({ poolMax: 8, prepare: true });
    expect(load({ APP_ROLE: 'all' }).database).toEqual({ poolMax: 12, prepare: true });
    expect(load({ APP_ROLE: 'worker', DATABASE_POOL_MAX: '30', DATABASE_PREPARE: 'false' }).database).toEqual({ poolMax: 30, prepare: false });
    expect(loadOpsConfig({ DATABASE_POOL_MAX: '4' }).database).toEqual({ poolMax: 4, prepare: true });
    expect(problems({ DATABASE_POOL_MAX: '0' })).toEqual([expect.stringMatching(/^DATABASE_POOL_MAX/)]);
    expect(problems({ DATABASE_PREPARE: 'no' })).toEqual([expect.stringMatching(/^DATABASE_PREPARE/)]);
  });
});
