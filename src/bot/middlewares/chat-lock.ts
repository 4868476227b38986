import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Compare-and-extend: pushes the TTL out only while the lock is still ours. */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Serializes the updates of one chat: first in this process (a promise chain per chat, so waiting
 * costs no Redis traffic and arrival order is kept), then across processes with a Redis lock. The
 * lock's TTL outlives the handler timeout, so a crashed process cannot hold a chat for long; while
 * the handler runs it is extended every TTL/3 (compare-and-extend), so a handler that outlives the
 * TTL (telegraf cannot stop a running handler) still holds its chat. Extending stops at release,
 * or when the lock turns out to be lost (`onLost` is told; the handler is not interrupted).
 */
export class ChatLock {
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly onLost: (chatKey: string) => void = () => undefined,
  ) {}

  async run<T>(chatKey: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.local.get(chatKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.local.set(chatKey, tail);
    try {
      await previous;
      return await this.withRedisLock(chatKey, fn);
    } finally {
      release();
      if (this.local.get(chatKey) === tail) this.local.delete(chatKey);
    }
  }

  private async withRedisLock<T>(chatKey: string, fn: () => Promise<T>): Promise<T> {
    const key = `${this.prefix}:chat-lock:${chatKey}`;
    const token = randomUUID();
    const deadline = Date.now() + this.ttlMs;
    let delay = 5;
    while ((await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`chat ${chatKey} stayed locked for ${this.ttlMs} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 100);
    }
    let renewing = true;
    const renew = setInterval(
      () => {
        this.redis
          .eval(EXTEND, 1, key, token, String(this.ttlMs))
          .then((extended) => {
            if (extended === 1 || !renewing) return;
            renewing = false;
            clearInterval(renew);
            this.onLost(chatKey);
          })
          .catch(() => undefined); // Redis unreachable: the next tick tries again while the TTL lasts
      },
      Math.max(1, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    try {
      return await fn();
    } finally {
      renewing = false;
      clearInterval(renew);
      // Not awaited: commands on one connection run in order, so this process's next SET for the
      // chat comes after it, and other processes poll; the update need not wait for the reply.
      this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
