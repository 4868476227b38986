import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatLock } from '../../src/bot/middlewares/chat-lock.js';
import { REDIS_URL } from '../support/db.js';
import { sleep } from '../support/wait.js';
import { rejectionOf } from './helpers.js';

/** Every key this file writes starts with this, so cleanup cannot touch anyone else's. */
const PREFIX = `tjd-it-chatlock-${randomBytes(4).toString('hex')}`;

// Two connections stand for two bot processes sharing one Redis.
let redisA: Redis;
let redisB: Redis;

beforeAll(async () => {
  redisA = new Redis(REDIS_URL, { lazyConnect: true });
  redisB = new Redis(REDIS_URL, { lazyConnect: true });
  await Promise.all([redisA.connect(), redisB.connect()]);
});

afterAll(async () => {
  if (redisA) {
    const keys = await redisA.keys(`${PREFIX}*`);
    if (keys.length > 0) await redisA.del(...keys);
    expect(await redisA.keys(`${PREFIX}*`)).toEqual([]);
  }
  await Promise.all([redisA?.quit(), redisB?.quit()]);
});

const lockKey = (prefix: string, chat: string) => `${prefix}:chat-lock:${chat}`;

interface Span {
  who: string;
  enter: number;
  exit: number;
}

/** A handler that records when it ran. */
function work(spans: Span[], who: string, ms: number): () => Promise<string> {
  return async () => {
    const enter = performance.now();
    await sleep(ms); // the handler's work: its length is what may or may not overlap
    spans.push({ who, enter, exit: performance.now() });
    return who;
  };
}

const overlaps = (spans: Span[]): Array<[string, string]> => {
  const sorted = [...spans].sort((a, b) => a.enter - b.enter);
  const bad: Array<[string, string]> = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.enter < sorted[i - 1]!.exit) bad.push([sorted[i - 1]!.who, sorted[i]!.who]);
  return bad;
};

describe('ChatLock', () => {
  it('serializes one chat across two processes: no two handlers overlap', async () => {
    const prefix = `${PREFIX}-a`;
    const p1 = new ChatLock(redisA, prefix, 5_000);
    const p2 = new ChatLock(redisB, prefix, 5_000);
    const spans: Span[] = [];
    const runs: Array<Promise<string>> = [];
    for (let i = 0; i < 8; i++) {
      runs.push(p1.run('chat-1', work(spans, `p1-${i}`, 15)));
      runs.push(p2.run('chat-1', work(spans, `p2-${i}`, 15)));
    }
    const results = await Promise.all(runs);
    expect(results).toHaveLength(16);
    expect(spans).toHaveLength(16);
    expect(overlaps(spans)).toEqual([]);
    // Both processes got their turns, and the lock is gone afterwards.
    expect(spans.some((x) => x.who.startsWith('p1'))).toBe(true);
    expect(spans.some((x) => x.who.startsWith('p2'))).toBe(true);
    expect(await redisA.exists(lockKey(prefix, 'chat-1'))).toBe(0);
  });

  it('runs different chats in parallel', async () => {
    const prefix = `${PREFIX}-b`;
    const p1 = new ChatLock(redisA, prefix, 5_000);
    const p2 = new ChatLock(redisB, prefix, 5_000);
    const spans: Span[] = [];
    const started = performance.now();
    await Promise.all([
      p1.run('chat-1', work(spans, 'c1', 300)),
      p2.run('chat-2', work(spans, 'c2', 300)),
      p1.run('chat-3', work(spans, 'c3', 300)),
      p2.run('chat-4', work(spans, 'c4', 300)),
    ]);
    expect(performance.now() - started).toBeLessThan(900);
    expect(overlaps(spans).length).toBeGreaterThan(0);
  });

  it('keeps arrival order within one process', async () => {
    const prefix = `${PREFIX}-c`;
    const lock = new ChatLock(redisA, prefix, 5_000);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lock.run('chat-1', async () => {
          // Earlier handlers take longer: a lock without ordering would let later ones finish first.
          await sleep(i % 2 === 0 ? 10 : 1); // (the lengths are the point)
          order.push(i);
        }),
      ),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('returns the handler result, passes its error on, and releases the lock either way', async () => {
    const prefix = `${PREFIX}-d`;
    const lock = new ChatLock(redisA, prefix, 5_000);
    expect(await lock.run('chat-1', () => Promise.resolve(42))).toBe(42);
    const err = await rejectionOf(lock.run('chat-1', () => Promise.reject(new Error('handler failed'))));
    expect((err as Error).message).toBe('handler failed');
    expect(await redisA.exists(lockKey(prefix, 'chat-1'))).toBe(0);
    // The next update of the chat is not stuck behind the failed one.
    expect(await lock.run('chat-1', () => Promise.resolve('next'))).toBe('next');
  });

  it('takes over a lock left by a dead holder once its ttl expires', async () => {
    const prefix = `${PREFIX}-e`;
    // A crashed process left its lock behind, with the ttl it was taken with.
    await redisB.set(lockKey(prefix, 'chat-1'), 'dead-process-token', 'PX', 400);
    const lock = new ChatLock(redisA, prefix, 2_000);
    const started = performance.now();
    expect(await lock.run('chat-1', () => Promise.resolve('ran'))).toBe('ran');
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(1_500);
    expect(await redisA.exists(lockKey(prefix, 'chat-1'))).toBe(0);
  });

  it('gives up with an error instead of waiting forever on a lock that never frees', async () => {
    const prefix = `${PREFIX}-f`;
    await redisB.set(lockKey(prefix, 'chat-1'), 'stuck', 'PX', 10_000);
    const lock = new ChatLock(redisA, prefix, 300);
    let ran = false;
    const started = performance.now();
    const err = await rejectionOf(
      lock.run('chat-1', () => {
        ran = true;
        return Promise.resolve();
      }),
    );
    expect(ran).toBe(false);
    expect((err as Error).message).toMatch(/stayed locked/);
    expect(performance.now() - started).toBeLessThan(2_000);
    // The foreign lock is left alone.
    expect(await redisA.get(lockKey(prefix, 'chat-1'))).toBe('stuck');
    await redisA.del(lockKey(prefix, 'chat-1'));
  });

  it('a handler running longer than the TTL still holds the chat: the lock is extended until it ends', async () => {
    const prefix = `${PREFIX}-h`;
    const slow = new ChatLock(redisA, prefix, 300);
    const other = new ChatLock(redisB, prefix, 5_000);
    const spans: Span[] = [];
    let slowEntered!: () => void;
    const entered = new Promise<void>((resolve) => (slowEntered = resolve));
    const slowRun = slow.run('chat-1', async () => {
      slowEntered();
      await work(spans, 'slow', 1_000)(); // more than three times its 300 ms TTL: the case under test
    });
    await entered;
    const otherRun = other.run('chat-1', work(spans, 'other', 10));
    await sleep(700);
    // Past the TTL the key is still there, still the slow handler's.
    expect(await redisB.pttl(lockKey(prefix, 'chat-1'))).toBeGreaterThan(0);
    await Promise.all([slowRun, otherRun]);
    expect(spans.map((x) => x.who)).toEqual(['slow', 'other']);
    expect(overlaps(spans)).toEqual([]);
    expect(await redisA.exists(lockKey(prefix, 'chat-1'))).toBe(0);
  });

  it("never extends nor releases another holder's lock when its own was lost mid-handler", async () => {
    const prefix = `${PREFIX}-g`;
    const lost: string[] = [];
    const slow = new ChatLock(redisA, prefix, 300, (chat) => lost.push(chat));
    let otherToken: string | null = null;
    let slowEntered!: () => void;
    const slowHoldsLock = new Promise<void>((resolve) => (slowEntered = resolve));
    const slowRun = slow.run('chat-1', async () => {
      slowEntered();
      await sleep(450); // long enough for a renewal to find the key taken by someone else
    });
    await slowHoldsLock;
    // The lock is lost (Redis evicted the key, or a stall let it run out) and another process takes it.
    await redisB.del(lockKey(prefix, 'chat-1'));
    await redisB.set(lockKey(prefix, 'chat-1'), 'other-process-token', 'PX', 5_000);
    await slowRun;
    // The slow handler's release (not awaited, on redisA) has run once a round trip on that connection is back.
    await redisA.ping();
    otherToken = await redisB.get(lockKey(prefix, 'chat-1'));
    expect(otherToken).toBe('other-process-token');
    // Its TTL is the other holder's own, not pushed out by the slow handler's renewals.
    expect(await redisB.pttl(lockKey(prefix, 'chat-1'))).toBeLessThanOrEqual(5_000);
    expect(lost).toEqual(['chat-1']);
    await redisB.del(lockKey(prefix, 'chat-1'));
  });
});
