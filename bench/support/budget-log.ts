import type { Redis } from 'ioredis';

/**
 * The send budget's own record of when it let each send go (src/telegram/send-budget.ts: a sorted
 * set of admission times on Redis's clock, kept for about a second), polled so that every entry is
 * seen. A slot given back (its answer reached a busy process late, the send was taken again) leaves
 * the log before its second is over: an entry seen once and missing from a later poll while still
 * inside its second was given back, and is not counted as a send.
 */
export function watchBudgetLog(redis: Redis, key: string, everyMs: number): { times(): number[]; stop(): void } {
  const seen = new Map<string, number>();
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const asked = Date.now();
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      const present = new Set<string>();
      for (let i = 0; i < flat.length; i += 2) {
        present.add(flat[i]!);
        seen.set(flat[i]!, Number(flat[i + 1]) / 1000);
      }
      // The log keeps at least the last 1,000 ms: an entry younger than 900 ms must still be there.
      for (const [member, at] of seen) if (at > asked - 900 && !present.has(member)) seen.delete(member);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll().catch(() => undefined), everyMs);
  return {
    times: () => [...seen.values()].sort((a, b) => a - b),
    stop: () => clearInterval(timer),
  };
}
