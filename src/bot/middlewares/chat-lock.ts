import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Serializes the updates of one chat: first in this process (a promise chain per chat, so waiting
 * costs no Redis traffic and arrival order is kept), then across processes with a Redis lock whose
 * TTL outlives the handler timeout, so a crashed process cannot hold a chat forever.
 */
export class ChatLock {
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
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
    try {
      return await fn();
    } finally {
      // Not awaited: commands on one connection run in order, so this process's next SET for the
      // chat comes after it, and other processes poll; the update need not wait for the reply.
      this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
