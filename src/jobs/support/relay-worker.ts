import { DelayedError, RateLimitError, type Job, type Queue } from 'bullmq';
import type { Telegram } from 'telegraf';
import { copyToTopic, topicFor } from '../../telegram/support-relay.js';
import { customerBlocked, isUnreachable, postInTopic, refreshCard } from '../../telegram/support-desk.js';
import type { Customer, SupportConversation } from '../../db/schema/index.js';
import type { AppDeps } from '../../deps.js';
import { relayEntryKey, type RelayDirection, type RelayEntry } from '../../domain/support/service.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import type { SupportRelayJob, SupportSlaJob } from '../queues.js';
import { relayKeys } from './relay.js';

/** relayed: at least one copied; dropped: all refused for good; nothing: another job had copied them; gone: conversation deleted. */
export type RelayOutcome = 'relayed' | 'dropped' | 'nothing' | 'gone';

/** How long a drain may hold its conversation's lock (a few Bot API calls; renewed per entry). */
const LOCK_MS = 30_000;
/** A job that finds another draining its conversation looks again after this. */
const BUSY_RETRY_MS = 300;
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A relay job: copies its conversation's waiting messages (one direction) in order, one by one,
 * each removed from the list once Telegram took it. Only one job drains a conversation at a time
 * (a lock in Redis); another finds it busy and looks again shortly.
 * - 429: the group's (customer → topic) pauses the whole `support` queue for retry_after
 *   (queue.rateLimit, so every worker process waits), the job goes back without spending an
 *   attempt; a customer chat's (agent → customer) delays only this job.
 * - The conversation is re-read first: gone (deleted) → its backlog is dropped. A closed one's
 *   messages still reach its topic, which is not reopened for them.
 * - 403 / 400 from the group (bot removed, no rights): logged, the message dropped (it is in the
 *   transcript); a deleted topic is replaced as for a message as it arrives (copyToTopic).
 * - 403 from the customer (blocked the bot): handled as the bot does (customerBlocked), backlog dropped.
 */
export function relayProcessor(deps: AppDeps, telegram: Telegram, queue: Queue<SupportSlaJob>) {
  const keys = relayKeys(deps.config.queuePrefix);
  const redis = deps.redis;
  const s = { deps, telegram };

  return async (job: Job<SupportRelayJob>, token: string | undefined): Promise<RelayOutcome> => {
    const { conversationId, direction } = job.data;
    const list = keys.list(conversationId, direction);
    const lock = keys.lock(conversationId, direction);
    const owner = `${job.id}:${token ?? ''}`;
    if ((await redis.set(lock, owner, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
      throw new DelayedError();
    }
    try {
      let copied = 0;
      let dropped = 0;
      for (;;) {
        const raw = await redis.lindex(list, 0);
        if (raw === null) return copied > 0 ? 'relayed' : dropped > 0 ? 'dropped' : 'nothing';
        await redis.pexpire(lock, LOCK_MS);
        const found = await deps.services.support.byId(conversationId);
        const customer = found && (await deps.services.support.customer(found.customerId));
        const chatId = deps.config.supportChatId;
        if (!found || !customer || !chatId) {
          const dropped = await redis.llen(list);
          await redis.del(list);
          deps.logger.warn({ job: job.id, conversation: conversationId, dropped, direction }, 'support relay: conversation gone (or no support chat); backlog dropped');
          return 'gone';
        }
        const entry = JSON.parse(raw) as RelayEntry;
        try {
          await send(found, customer, direction, entry);
        } catch (err) {
          const failure = classifyTelegramError(err);
          if (failure.kind === 'rate_limited') return await rateLimited(job, token, conversationId, direction, failure.retryAfterS * 1000);
          if (failure.kind === 'server' || failure.kind === 'network' || failure.kind === 'other') throw err;
          if (direction === 'out' && isUnreachable(err)) {
            await redis.del(list);
            await customerBlocked(s, customer.id, customer.telegramId, found.threadId);
            deps.logger.info({ job: job.id, conversation: conversationId }, 'support relay: the customer blocked the bot; queued replies dropped');
            return 'gone';
          }
          // Refused for good (bot removed from the group, no rights, message deleted): the
          // transcript has it; the next ones may still go.
          deps.logger.error({ err, job: job.id, conversation: conversationId, direction, entry: relayEntryKey(entry) }, 'support relay: message refused by Telegram; dropped');
          await redis.lrem(list, 1, raw);
          dropped += 1;
          continue;
        }
        await redis.lrem(list, 1, raw);
        copied += 1;
        deps.metrics.inc(direction === 'in' ? 'support_messages_in_relayed_total' : 'support_messages_out_relayed_total');
      }
    } finally {
      await redis.eval(UNLOCK, 1, lock, owner);
    }
  };

  /** One entry: a copy (into the topic, or to the customer), the topic and card, or a notice. */
  async function send(c: SupportConversation, customer: Customer, direction: RelayDirection, entry: RelayEntry): Promise<void> {
    const open = c.status !== 'closed';
    switch (entry.kind) {
      case 'copy':
        if (direction === 'out') await telegram.copyMessage(customer.telegramId, entry.fromChatId, entry.messageId);
        // Closed before it ever had a topic: none is made for it (the transcript has the message).
        else if (open || c.threadId) await copyToTopic(s, c, customer, entry.step, { chatId: entry.fromChatId, messageId: entry.messageId }, open);
        return;
      case 'open':
        // Closed before its topic was made: nobody is to answer it.
        if (open) await topicFor(s, c, customer, entry.step, true);
        return;
      case 'notice':
        if (direction === 'out') await telegram.sendMessage(customer.telegramId, entry.text, { parse_mode: 'HTML' });
        else if (c.threadId) await postInTopic(s, c.threadId, entry.text);
        return;
      case 'close': {
        // The customer may have opened a new conversation in the same topic meanwhile: leave it open.
        const current = await deps.services.support.openFor(c.customerId);
        if (!c.threadId || (current && current.id !== c.id)) return;
        await refreshCard(s, c.id, entry.closer ?? undefined);
        try {
          await telegram.closeForumTopic(deps.config.supportChatId!, c.threadId);
        } catch (err) {
          const failure = classifyTelegramError(err);
          if (failure.kind !== 'bad_request' || !/TOPIC_NOT_MODIFIED/i.test(failure.description)) throw err;
        }
        await deps.services.support.setTopicClosed(c.customerId, true);
        return;
      }
    }
  }

  async function rateLimited(job: Job<SupportRelayJob>, token: string | undefined, conversationId: number, direction: RelayDirection, ms: number): Promise<never> {
    await redis.set(keys.pause(conversationId, direction), '1', 'PX', Math.max(1, Math.round(ms)));
    deps.logger.warn({ job: job.id, conversation: conversationId, direction, retryAfterMs: ms }, 'support relay: 429, waiting');
    if (direction === 'in') {
      // The group's limit is for every conversation: the whole queue waits (all worker processes).
      await queue.rateLimit(ms);
      throw new RateLimitError();
    }
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }
}
