/**
 * The app on the Redis topologies it is configured for, each started by the redis-cluster
 * project's set-up (test/support/redis-cluster-setup.ts): a three-primary Redis Cluster
 * (REDIS_CLUSTER_NODES), a primary found through Sentinel (REDIS_URL=redis+sentinel://…), and a
 * Sentinel failover while the app runs.
 * Only in the `redis-cluster` vitest project; the other files of that project run their own
 * tests (reminders, campaign limiter, support relay) on the cluster.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { budgetTag, SendBudget } from '../../src/telegram/send-budget.js';
import { scanKeys } from '../../src/shared/redis.js';
import { TestChat } from '../support/chat.js';
import { ON_CLUSTER, testRedis } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sleep } from '../support/wait.js';

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.stop();
});

/** The customer's /start is answered with the main menu: the bot handled it and queued what it queues. */
async function startAnswered(h: Harness, id: number) {
  const replies = await new TestChat(h, id, { languageCode: 'en' }).text('/start');
  expect(replies.filter((c) => c.method === 'sendMessage').length).toBeGreaterThan(0);
}

describe('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('runs in the redis-cluster project, against three primaries with every slot served', async () => {
    expect(ON_CLUSTER).toBe(true);
    const seed = inject('redisClusterNodes').split(',')[0]!.split(':');
    const node = new Redis(Number(seed[1]), seed[0]!);
    try {
      const info = await node.cluster('INFO');
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_slots_assigned:16384');
      expect(info).toContain('cluster_size:3');
    } finally {
      node.disconnect();
    }
  });

  it('the app takes a hash-tagged prefix, every key of it in one slot, and answers a customer', async () => {
    const h = await startHarness();
    harnesses.push(h);
    expect(h.config.redis.mode).toBe('cluster');
    expect(h.config.queuePrefix).toMatch(/^\{t[0-9a-f]{8}\}$/);
    await startAnswered(h, 97_100_001);
    const keys = await scanKeys(h.app.deps.redis, `${h.config.queuePrefix}:*`);
    // The maintenance and store schedulers' keys at least (src/jobs/queues.ts, src/jobs/store/store-jobs.ts).
    expect(keys.length).toBeGreaterThan(3);
    const slots = new Set(await Promise.all(keys.map((k) => h.app.deps.redis.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
  });

  it('a script over two untagged keys is refused (CROSSSLOT); the send budget, whose keys share one tag, works', async () => {
    const redis = testRedis();
    try {
      const twoKeys = "redis.call('incr', KEYS[1]); return redis.call('incr', KEYS[2])";
      await expect(redis.eval(twoKeys, 2, 'untagged:a', 'untagged:b')).rejects.toThrow(/CROSSSLOT/);
      await expect(redis.eval(twoKeys, 2, '{t}:a', '{t}:b')).resolves.toBe(1);
      const budget = new SendBudget(redis, { prefix: 'untagged', perSecond: 30 });
      await expect(budget.take('notice', { chatId: 1 })).resolves.toBeUndefined();
      const slots = new Set(await Promise.all(Object.values(budget.keys).map((k) => redis.cluster('KEYSLOT', k))));
      expect(slots.size).toBe(1);
      budget.close();
    } finally {
      redis.disconnect();
    }
  });
});

describe('Sentinel (REDIS_URL=redis+sentinel://host:port/name)', () => {
  it('the app finds the primary through the Sentinel, keeps its queues there and answers a customer', async () => {
    const url = inject('redisSentinel');
    const h = await startHarness({ env: { REDIS_URL: url, REDIS_CLUSTER_NODES: '' } });
    harnesses.push(h);
    expect(h.config.redis.mode).toBe('sentinel');
    // A plain prefix: one primary needs no hash tag, and existing deployments keep their keys.
    expect(h.config.queuePrefix).toMatch(/^t[0-9a-f]{8}$/);
    await startAnswered(h, 97_100_002);
    const sentinel = new URL(url.replace('redis+sentinel:', 'http:'));
    const asker = new Redis(Number(sentinel.port), sentinel.hostname);
    const [host, port] = (await asker.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'tjdprimary')) as [string, string];
    asker.disconnect();
    const primary = new Redis(Number(port), host);
    try {
      expect((await primary.keys(`${h.config.queuePrefix}:*`)).length).toBeGreaterThan(3);
    } finally {
      primary.disconnect();
    }
  });
});

describe('Sentinel failover', () => {
  it('the Sentinel promotes the replica: the app follows it to the new primary and keeps answering customers', async () => {
    const url = inject('redisSentinelFailover');
    const h = await startHarness({ env: { REDIS_URL: url, REDIS_CLUSTER_NODES: '' } });
    harnesses.push(h);
    await startAnswered(h, 97_100_011);
    const sentinel = new URL(url.replace('redis+sentinel:', 'http:'));
    const asker = new Redis(Number(sentinel.port), sentinel.hostname);
    try {
      const primaryAddr = async () => ((await asker.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'tjdfailover')) as [string, string]).join(':');
      const before = await primaryAddr();
      await asker.call('SENTINEL', 'FAILOVER', 'tjdfailover');
      const deadline = Date.now() + 30_000;
      while ((await primaryAddr()) === before && Date.now() < deadline) await sleep(100);
      const after = await primaryAddr();
      expect(after).not.toBe(before);
      // The old primary is turned into a replica (the Sentinel drops its clients, so they ask again).
      const [oldHost, oldPort] = before.split(':');
      const old = new Redis(Number(oldPort), oldHost!);
      const deadlineRole = Date.now() + 30_000;
      while (((await old.role()) as [string])[0] !== 'slave' && Date.now() < deadlineRole) await sleep(100);
      old.disconnect();
      // Customers are answered, and the app writes to the new primary: the send budget's log of
      // the replies just sent (it keeps about a second) is there.
      const [newHost, newPort] = after.split(':');
      const primary = new Redis(Number(newPort), newHost!);
      try {
        let written = 0;
        for (let i = 0; i < 5 && written === 0; i++) {
          await startAnswered(h, 97_100_012 + i);
          written = await primary.zcard(`${budgetTag(h.config.queuePrefix)}:sent`);
          if (written === 0) await sleep(1000);
        }
        expect(written).toBeGreaterThan(0);
      } finally {
        primary.disconnect();
      }
    } finally {
      asker.disconnect();
    }
  });
});
