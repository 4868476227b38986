import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * Where Redis is, by configuration only: one server (`redis://`, `rediss://`), a primary found
 * through Sentinel (`redis+sentinel://host:port,host:port/mastername`), or a Redis Cluster
 * (REDIS_CLUSTER_NODES). Every ioredis connection of the app is made by `createRedis` from it:
 * BullMQ producers and workers, the relay's locks and lists, the campaign limiter's scripts.
 */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | {
      mode: 'sentinel';
      sentinels: { host: string; port: number }[];
      /** The master name the sentinels monitor. */
      name: string;
      username?: string;
      password?: string;
      /** Password of the sentinels themselves (sentinelPassword= in the URL), when they have one. */
      sentinelPassword?: string;
      db: number;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

/** A connection made by createRedis: a plain client (single server or through Sentinel) or a cluster client. */
export type RedisClient = Redis | Cluster;

const SENTINEL_PROTOCOLS = ['redis+sentinel:', 'rediss+sentinel:'];

/** "host:port,host:port" → addresses; throws with a readable message on a malformed entry. */
export function parseHostList(value: string, defaultPort: number): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(part);
    const port = m?.[2] ? Number(m[2]) : defaultPort;
    if (!m || port < 1 || port > 65535) throw new Error(`"${part}" is not host:port`);
    out.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new Error('names no host:port');
  return out;
}

/** Whether REDIS_URL names Sentinels (redis+sentinel:// or rediss+sentinel://). */
export const isSentinelUrl = (url: string): boolean => SENTINEL_PROTOCOLS.some((p) => url.toLowerCase().startsWith(`${p}//`));

/**
 * `redis+sentinel://[user:password@]host:port[,host:port…]/mastername[/db][?sentinelPassword=…]`.
 * The password is the primary's (the one `redis://` would carry); the sentinels' own goes in the
 * query. `rediss+sentinel://` speaks TLS to the sentinels and the primary alike.
 */
export function parseSentinelUrl(url: string): Extract<RedisTarget, { mode: 'sentinel' }> {
  const m = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]+)(?:\/(\d+))?\/?(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw new Error('must be redis+sentinel://host:port,host:port/mastername');
  const [, scheme, auth, hosts, name, db, query] = m;
  const [user, pass] = auth ? [auth.split(':')[0], auth.includes(':') ? auth.slice(auth.indexOf(':') + 1) : undefined] : [];
  const params = new URLSearchParams(query ?? '');
  return {
    mode: 'sentinel',
    sentinels: parseHostList(hosts!, 26379),
    name: decodeURIComponent(name!),
    username: user ? decodeURIComponent(user) : undefined,
    password: pass ? decodeURIComponent(pass) : undefined,
    sentinelPassword: params.get('sentinelPassword') ?? undefined,
    db: db ? Number(db) : 0,
    tls: scheme!.toLowerCase() === 'rediss',
  };
}

/**
 * The target from REDIS_URL and REDIS_CLUSTER_NODES. With cluster nodes, REDIS_URL only lends
 * its user, password and TLS (rediss://) to every node.
 */
export function redisTarget(url: string, clusterNodes?: string): RedisTarget {
  if (clusterNodes) {
    const u = isSentinelUrl(url) ? null : new URL(url);
    return {
      mode: 'cluster',
      nodes: parseHostList(clusterNodes, 6379),
      username: u?.username ? decodeURIComponent(u.username) : undefined,
      password: u?.password ? decodeURIComponent(u.password) : undefined,
      tls: u?.protocol === 'rediss:',
    };
  }
  if (isSentinelUrl(url)) return parseSentinelUrl(url);
  return { mode: 'single', url };
}

/** Where Redis is, for messages: never a password. */
export function describeRedis(target: RedisTarget): string {
  const list = (hosts: { host: string; port: number }[]) => hosts.map((h) => `${h.host}:${h.port}`).join(',');
  if (target.mode === 'cluster') return `Redis Cluster ${list(target.nodes)}`;
  if (target.mode === 'sentinel') return `Redis "${target.name}" through Sentinel ${list(target.sentinels)}`;
  return target.url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * The hash-tagged key prefix Redis Cluster needs: BullMQ's scripts touch several keys of a queue
 * at once, the campaign limiter two, and Redis Cluster runs a script only when all its keys hash
 * to one slot. A `{tag}` in the prefix makes every key of the app hash alike (the same shard: the
 * cluster adds failover and room for other tenants, not throughput for this one). A prefix that
 * already carries a tag is kept; a single server or Sentinel keeps the prefix as it is, so the
 * keys of an existing deployment do not move.
 */
export function keyPrefix(prefix: string, target: RedisTarget): string {
  if (target.mode !== 'cluster' || /\{[^{}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/** What a caller tunes; the same meaning whatever the target (createRedis maps them onto cluster options). */
export interface RedisConnectOptions {
  /** null for BullMQ workers (blocking commands wait for a reconnect), a number to fail a command fast. */
  maxRetriesPerRequest?: number | null;
  enableOfflineQueue?: boolean;
  lazyConnect?: boolean;
  /** null from the strategy: stop reconnecting (a probe). */
  retryStrategy?: (times: number) => number | null;
  connectTimeout?: number;
}

/** The one maker of Redis connections. Nothing connects before the first command unless `lazyConnect` is false (ioredis's default). */
export function createRedis(target: RedisTarget, opts: RedisConnectOptions = {}): RedisClient {
  const node: RedisOptions = {};
  if (opts.maxRetriesPerRequest !== undefined) node.maxRetriesPerRequest = opts.maxRetriesPerRequest;
  if (opts.connectTimeout !== undefined) node.connectTimeout = opts.connectTimeout;
  if (target.mode === 'cluster') {
    return new Cluster(target.nodes, {
      lazyConnect: opts.lazyConnect,
      enableOfflineQueue: opts.enableOfflineQueue ?? true,
      clusterRetryStrategy: opts.retryStrategy ?? ((times) => Math.min(100 + times * 200, 2000)),
      // A client of a fresh or failing-over cluster asks again rather than giving up at once.
      retryDelayOnClusterDown: 200,
      redisOptions: {
        ...node,
        username: target.username,
        password: target.password,
        ...(target.tls ? { tls: {} } : {}),
      },
    });
  }
  const common: RedisOptions = {
    ...node,
    ...(opts.lazyConnect !== undefined ? { lazyConnect: opts.lazyConnect } : {}),
    ...(opts.enableOfflineQueue !== undefined ? { enableOfflineQueue: opts.enableOfflineQueue } : {}),
    ...(opts.retryStrategy ? { retryStrategy: opts.retryStrategy } : {}),
  };
  if (target.mode === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      username: target.username,
      password: target.password,
      sentinelPassword: target.sentinelPassword,
      db: target.db,
      ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      ...(opts.retryStrategy ? { sentinelRetryStrategy: opts.retryStrategy } : {}),
    });
  }
  return new Redis(target.url, common);
}

/**
 * Every key matching `pattern`: SCAN on each primary of a cluster (one SCAN reaches one node
 * only), on the server otherwise.
 */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

/**
 * Deletes keys one slot at a time: on a cluster, DEL of several keys must name keys of one slot,
 * which the app's keys are (keyPrefix) but a caller's pattern need not be.
 */
export async function deleteKeys(client: RedisClient, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (!(client instanceof Cluster)) {
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
    return;
  }
  await Promise.all(keys.map((k) => client.del(k)));
}
