import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import { relayEntryKey, type RelayDirection, type RelayEntry, type SupportRelay } from '../../domain/support/service.js';
import { supportRelayJobId, type SupportRelayJob, type SupportSlaJob } from '../queues.js';

/**
 * Redis keys of the relay: per conversation and direction, the list of messages still to copy
 * (oldest first) and the lock of the job draining it; the group's pause (a 429 to the group is
 * for the whole group) and a customer chat's pause, each a key that expires with retry_after.
 */
export const relayKeys = (prefix: string) => ({
  list: (conversationId: number, direction: RelayDirection) => `${prefix}:support-relay:${direction}:${conversationId}`,
  lock: (conversationId: number, direction: RelayDirection) => `${prefix}:support-relay:lock:${direction}:${conversationId}`,
  pause: (conversationId: number, direction: RelayDirection) =>
    direction === 'in' ? `${prefix}:support-relay:pause:group` : `${prefix}:support-relay:pause:out:${conversationId}`,
});

/** Appends an entry unless it is there already (an update handled twice queues its message once). */
const PUSH_ONCE = `if redis.call('LPOS', KEYS[1], ARGV[1]) == false then return redis.call('RPUSH', KEYS[1], ARGV[1]) end return 0`;

export const RELAY_ATTEMPTS = 8;

/**
 * The relay's producer side, for the bot: a message joins its conversation's list and gets a
 * relay job (id from the source message, so a repeated update adds none). Every relay job drains
 * the whole list in order, so whichever runs first copies them all and the others find nothing.
 * The `support` queue carries SLA and relay jobs, told apart by job name.
 */
export function supportRelay(queue: Queue<SupportSlaJob>, redis: RedisClient, prefix: string): SupportRelay {
  const relayQueue = queue as unknown as Queue<SupportRelayJob>;
  const keys = relayKeys(prefix);
  return {
    async waitFor(conversationId, direction) {
      const [backlog, pause] = await Promise.all([redis.llen(keys.list(conversationId, direction)), redis.pttl(keys.pause(conversationId, direction))]);
      if (backlog === 0 && pause <= 0) return null;
      return Math.max(0, pause);
    },
    async pause(conversationId, direction, ms) {
      await redis.set(keys.pause(conversationId, direction), '1', 'PX', Math.max(1, Math.round(ms)));
    },
    async enqueue(conversationId, direction, entry: RelayEntry, delayMs) {
      await redis.eval(PUSH_ONCE, 1, keys.list(conversationId, direction), JSON.stringify(entry));
      await relayQueue.add(
        'relay',
        { conversationId, direction },
        {
          jobId: supportRelayJobId(conversationId, direction, relayEntryKey(entry)),
          delay: Math.max(0, Math.round(delayMs)),
          attempts: RELAY_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2000 },
        },
      );
    },
  };
}
